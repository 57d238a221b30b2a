import Foundation

/// A loopback port held by a socket that never listens: connecting to it is refused, and no other
/// test can take it until `release()`.
public struct ReservedPort {
    let fd: Int32
    public let port: Int

    public init() throws {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socketFD, $0, length) == 0 && getsockname(socketFD, $0, &length) == 0
            }
        }
        guard socketFD >= 0, bound else {
            close(socketFD)
            throw StubServerError("could not reserve a loopback port")
        }
        fd = socketFD
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    public func release() { close(fd) }
}
