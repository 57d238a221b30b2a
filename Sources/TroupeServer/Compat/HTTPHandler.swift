import NIOCore
import NIOHTTP1
import TroupeCore
import TroupeWire

/// The plain-HTTP side of `envd`'s HTTP listener: collects a request (its body bounded by
/// `max_frame_bytes`), routes it (`HTTPRoute`) and answers: OpenEnv's `/health`, `/schema` and
/// `/metadata` at once, AgentGym's endpoints through the `AgentGymService` (whose answers may
/// come later, from another thread). WebSocket upgrades never reach it: NIO's upgrader takes
/// them first.
///
/// Invariant: every method runs on the channel's event loop; NIO's pipelining handler in front
/// of it holds later requests on the connection until the current answer is written.
final class HTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let server: EnvServer
    private let settings: HTTPSettings
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var tooLarge = false
    /// False once the channel closed: a late AgentGym answer is dropped.
    private var active = true

    init(server: EnvServer, settings: HTTPSettings) {
        self.server = server
        self.settings = settings
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = nil
            tooLarge = false
        case .body(var chunk):
            guard !tooLarge else { return }
            if (body?.readableBytes ?? 0) + chunk.readableBytes > server.configuration.limits.maxFrameBytes {
                tooLarge = true
                body = nil
            } else if body == nil {
                body = chunk
            } else {
                body!.writeBuffer(&chunk)
            }
        case .end:
            guard let head else { return }
            self.head = nil
            if tooLarge {
                let limit = server.configuration.limits.maxFrameBytes
                write(
                    HTTPAnswer(
                        status: .payloadTooLarge, json: ["detail": .string("the body is longer than \(limit) bytes")]),
                    keepAlive: false, context: context)
                return
            }
            route(head, body: body, context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        active = false
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func route(_ head: HTTPRequestHead, body: ByteBuffer?, context: ChannelHandlerContext) {
        let keepAlive = head.isKeepAlive
        let method = head.method.rawValue
        switch HTTPRoute(target: head.uri) {
        case .health:
            let draining = server.table.withLockedValue { $0.draining }
            write(
                HTTPAnswer(json: ["status": draining ? "unhealthy" : "healthy"]), keepAlive: keepAlive, context: context
            )
        case .schema(let env):
            write(introspect(env) { OpenEnvWire.schema($0) }, keepAlive: keepAlive, context: context)
        case .metadata(let env):
            write(introspect(env) { OpenEnvWire.metadata($0) }, keepAlive: keepAlive, context: context)
        case .index:
            write(HTTPAnswer(json: index()), keepAlive: keepAlive, context: context)
        case .openEnvSocket:
            write(
                HTTPAnswer(
                    status: .upgradeRequired,
                    json: ["detail": "this is OpenEnv's WebSocket endpoint: connect with a WebSocket client"]),
                keepAlive: keepAlive, context: context)
        case .notFound:
            write(HTTPAnswer(status: .notFound, json: ["detail": "Not Found"]), keepAlive: keepAlive, context: context)
        case .agentGym(let family, let endpoint, let query):
            var json: JSONValue?
            if let body, body.readableBytes > 0 {
                json = try? body.withUnsafeReadableBytes { try JSONParser(maxDepth: 64).parse($0) }
                if json == nil {
                    let answer = AgentGymDialect.Response.unprocessable([
                        ["type": "json_invalid", "loc": ["body"], "msg": "JSON decode error", "input": [:]]
                    ])
                    write(HTTPAnswer(answer), keepAlive: keepAlive, context: context)
                    return
                }
            }
            switch AgentGymDialect.decode(family, method: method, endpoint: endpoint, query: query, body: json) {
            case .failure(let refusal):
                write(HTTPAnswer(refusal), keepAlive: keepAlive, context: context)
            case .success(let request):
                let loop = context.eventLoop
                let bound = NIOLoopBound((self, context), eventLoop: loop)
                server.handleAgentGym(request, family: family) { response in
                    loop.execute {
                        let (handler, context) = bound.value
                        guard handler.active else { return }
                        handler.write(HTTPAnswer(response), keepAlive: keepAlive, context: context)
                    }
                }
            }
        }
    }

    /// `/schema` or `/metadata` of the named environment, the default one, or a 404 saying how to
    /// name one.
    private func introspect(_ env: String?, _ make: (EnvSpec) -> JSONValue) -> HTTPAnswer {
        guard let id = env ?? settings.defaultEnv else {
            return HTTPAnswer(
                status: .notFound,
                json: [
                    "detail":
                        "no default environment (envd serve --http-env ID); ask /envs/<id>/schema or /envs/<id>/metadata"
                ])
        }
        guard let spec = server.registry.registrations[id]?.spec else {
            return HTTPAnswer(status: .notFound, json: ["detail": .string("no environment '\(id)' on this server")])
        }
        return HTTPAnswer(json: make(spec))
    }

    /// `GET /`: where each protocol is.
    private func index() -> JSONValue {
        [
            "server": "envd",
            "default_env": settings.defaultEnv.map(JSONValue.string) ?? .null,
            "envs": .array(server.registry.specs.map { .string($0.id) }),
            "openenv": [
                "websocket": "/envs/<id>/ws (or /ws for the default environment)",
                "introspection": ["/health", "/envs/<id>/schema", "/envs/<id>/metadata"],
            ],
            "agentgym": .object(
                JSONObject(
                    uniqueKeysWithValues: AgentGymFamily.allCases.map {
                        ($0.rawValue, .string("/agentgym/\($0.rawValue)"))
                    }
                )),
        ]
    }

    private func write(_ answer: HTTPAnswer, keepAlive: Bool, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(answer.body.count))
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: .http1_1, status: answer.status, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(
            wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: answer.body)))), promise: nil)
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}

/// An HTTP answer with a JSON body.
struct HTTPAnswer {
    var status: HTTPResponseStatus = .ok
    var body: [UInt8]

    init(status: HTTPResponseStatus = .ok, json: JSONValue) {
        self.status = status
        self.body = json.serializedBytes()
    }

    init(_ response: AgentGymDialect.Response) {
        self.init(status: HTTPResponseStatus(statusCode: response.status), json: response.body)
    }
}
