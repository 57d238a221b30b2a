import NIOCore
import TroupeCore
import TroupeWire

/// One client connection: frames the bytes, parses each frame with json-c straight from the
/// receive buffer, decodes it into a request from json-c's tree (no `JSONValue` tree for the
/// envelope), answers what needs no session (hello, list, stats, every malformed frame) at once,
/// and hands the rest to the server.
///
/// Answers produced while a read burst is being handled (errors, hello, list, stats) are written
/// into one output array and flushed once at the end of the burst; answers that finish later are
/// written and flushed at once, which saves an event-loop turn per answer.
/// A bad frame gets an error answer and the connection goes on with the next frame.
///
/// Invariant: every method runs on the channel's event loop.
final class ConnectionHandler: ChannelInboundHandler, ReplyReceiver {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let server: EnvServer
    private var framer: LineFramer
    private let parser = JSONParser(maxDepth: 64)
    private let decoder: RequestDecoder
    private var connection = ConnectionID(0)
    private var context: ChannelHandlerContext?
    /// Answers not yet written to the channel.
    private var output: [UInt8] = []
    private var reading = false
    /// Whether this connection still has to present the server's token.
    private var needsToken: Bool

    init(server: EnvServer, requiresToken: Bool) {
        self.server = server
        self.framer = LineFramer(maxFrameBytes: server.configuration.limits.maxFrameBytes)
        self.decoder = RequestDecoder(maxBatchItems: server.configuration.limits.maxBatchItems)
        self.needsToken = requiresToken
        output.reserveCapacity(4096)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelActive(context: ChannelHandlerContext) {
        connection = server.register(context.channel, self)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        server.unregister(connection)
        self.context = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        reading = true
        buffer.withUnsafeReadableBytes { bytes in
            framer.feed(bytes) { event in
                switch event {
                case .frame(let frame): handle(frame)
                case .oversized(let prefix):
                    let limit = server.configuration.limits.maxFrameBytes
                    send(
                        Reply(
                            id: FrameSalvage.id(in: prefix),
                            error: WireError(
                                .frameTooLarge,
                                "the frame is longer than this server's limit of \(limit) bytes (hello's max_frame_bytes); it was skipped up to the next newline"
                            )))
                }
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        reading = false
        flush()
        context.fireChannelReadComplete()
    }

    /// Stops reading while the peer does not read its answers, so a client that only writes
    /// cannot make the server buffer without bound.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        context.channel.setOption(.autoRead, value: context.channel.isWritable).whenComplete { _ in }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A reset by the peer or a failed write: the connection is over; its sessions are leased.
        context.close(promise: nil)
    }

    func receive(_ reply: Reply) { send(reply) }

    /// Sends an answer: at the end of the current read burst, or now.
    func send(_ reply: Reply) {
        reply.writeFrame(into: &output)
        if !reading { flush() }
    }

    private func flush() {
        guard !output.isEmpty, let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: output.count)
        buffer.writeBytes(output)
        output.removeAll(keepingCapacity: output.capacity <= 1 << 16)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    /// One frame: parse, decode straight from json-c's tree, dispatch.
    private func handle(_ frame: UnsafeRawBufferPointer) {
        let decoded: Result<Envelope, DecodeFailure>
        do {
            decoded = try parser.withParsed(frame) { node in
                Result { () throws(DecodeFailure) in try decoder.decode(node) }
            }
        } catch {
            send(
                Reply(
                    id: FrameSalvage.id(in: frame),
                    error: WireError(.badFrame, "the frame is not valid JSON (\(error)); send one JSON object per line")
                ))
            return
        }
        switch decoded {
        case .success(let envelope): dispatch(envelope)
        case .failure(let failure): send(Reply(id: failure.id, error: failure.error))
        }
    }

    private func dispatch(_ envelope: Envelope) {
        let id = envelope.id
        if needsToken {
            guard case .hello(_, let token) = envelope.request, token == server.configuration.token else {
                send(
                    Reply(
                        id: id,
                        error: WireError(
                            .unauthorized,
                            "this listener needs the server's token: send {\"op\":\"hello\",\"token\":…} first")))
                return
            }
            needsToken = false
        }
        switch envelope.request {
        case .hello(let version, _):
            if let version, version != WireProtocol.version {
                send(
                    Reply(
                        id: id,
                        error: WireError(
                            .unsupportedVersion,
                            "this server speaks protocol version \(WireProtocol.version), not \(version); upgrade the client or the server"
                        )))
                return
            }
            send(
                Reply(
                    id: id,
                    result: .success(
                        .hello(
                            version: WireProtocol.version, limits: server.configuration.limits,
                            requiresToken: server.configuration.token != nil))))
        case .list:
            send(Reply(id: id, result: .success(.list(server.listing))))
        case .stats:
            send(Reply(id: id, result: .success(.stats(server.stats()))))
        case .make(let request):
            server.make(request, id: id, connection: connection)
        case .session(let session, let op):
            server.submit(op, session: session, id: id, connection: connection)
        case .batch(let items):
            server.submitBatch(items, id: id, connection: connection)
        case .fork(let session, let seed):
            server.fork(session: session, seed: seed, id: id, connection: connection)
        case .resume(let session, let token, let waiting):
            server.resume(session: session, token: token, waiting: waiting, id: id, connection: connection)
        }
    }
}
