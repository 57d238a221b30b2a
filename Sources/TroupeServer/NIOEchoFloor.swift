import NIOCore
import NIOPosix

/// The second floor of `envd bench --floor nio`: a SwiftNIO server with envd's own event loops and
/// listener options that writes back every byte it reads, flushing once per read burst as envd
/// does. Against the C echo it shows what SwiftNIO itself costs; against envd, what envd's work
/// on each frame (framing, parsing, the session table, the step, the answer) costs.
public enum NIOEchoFloor {
    /// The two listeners.
    public struct Listeners: Sendable {
        /// The TCP port bound.
        public let port: Int
        let channels: [any Channel]

        public func close() async {
            for channel in channels { try? await channel.close() }
        }
    }

    /// Listens on the Unix socket `unixPath` (replacing a stale file) and on loopback TCP `port`
    /// (0: any free port).
    public static func start(unixPath: String, port: Int, group: any EventLoopGroup) async throws -> Listeners {
        func bootstrap(tcp: Bool) -> ServerBootstrap {
            ServerBootstrap(group: group).envdOptions(tcp: tcp)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(EchoHandler())
                    }
                }
        }
        try UnixSocketFile.prepare(unixPath)
        let unix = try await bootstrap(tcp: false).bind(unixDomainSocketPath: unixPath).get()
        let tcp = try await bootstrap(tcp: true).bind(host: "127.0.0.1", port: port).get()
        return Listeners(port: tcp.localAddress?.port ?? port, channels: [unix, tcp])
    }
}

/// Writes each read back as it is; flushes at the end of the read burst.
private final class EchoHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.write(data, promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
