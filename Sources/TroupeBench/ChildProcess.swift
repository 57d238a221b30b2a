import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A server the benchmark starts and stops: `envd serve` or the echo floor.
final class ChildProcess {
    let process = Process()
    /// The first line the child printed (its readiness line).
    private(set) var readyLine = ""

    /// Starts `executable` and waits for a first line on stdout that starts with `readyPrefix`.
    init(_ executable: String, _ arguments: [String], readyPrefix: String) throws {
        process.executableURL = URL(filePath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var line: [UInt8] = []
        let handle = output.fileHandleForReading
        while line.last != 0x0A {
            let chunk = handle.readData(ofLength: 1)
            guard !chunk.isEmpty else { break }
            line.append(contentsOf: chunk)
        }
        readyLine = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard readyLine.hasPrefix(readyPrefix) else {
            stop()
            throw BenchError("\(executable) did not start: it printed '\(readyLine)'")
        }
    }

    var pid: Int32 { process.processIdentifier }

    /// SIGTERM, then SIGKILL if the child is still there after two seconds (a child spawned
    /// from a thread that blocks SIGTERM inherits the block), then wait.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<200 where process.isRunning { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }
}

/// CPU placement: which cores a process's threads, or the calling thread, may run on.
enum Placement {
    /// Restricts every thread of process `pid` to `cpus` (Linux; elsewhere a no-op).
    static func pin(pid: Int32, to cpus: [Int]) {
        #if os(Linux)
            guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else { return }
            for task in tasks { if let tid = Int32(task) { pinThread(tid, to: cpus) } }
        #endif
    }

    /// Restricts the calling thread to `cpus`.
    static func pinCurrentThread(to cpus: [Int]) {
        #if os(Linux)
            pinThread(0, to: cpus)
        #endif
    }

    #if os(Linux)
        /// `sched_setaffinity(2)`, looked up at run time: Glibc's module map leaves out the
        /// GNU extensions.
        private typealias SetAffinity = @convention(c) (Int32, Int, UnsafeRawPointer) -> Int32
        private static let setAffinity: SetAffinity? = {
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sched_setaffinity") else { return nil }
            return unsafeBitCast(symbol, to: SetAffinity.self)
        }()

        private static func pinThread(_ tid: Int32, to cpus: [Int]) {
            guard let setAffinity else { return }
            var mask = [UInt64](repeating: 0, count: 16)  // 1024 CPUs, the size of cpu_set_t
            for cpu in cpus where cpu < 1024 { mask[cpu / 64] |= 1 << UInt64(cpu % 64) }
            mask.withUnsafeBytes { _ = setAffinity(tid, $0.count, $0.baseAddress!) }
        }
    #endif

    /// Every online core.
    static var allCores: [Int] { Array(0..<ProcessInfo.processInfo.activeProcessorCount) }
}
