import CPythonSpawn
import TroupeCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// One program in one brand-new process: bubblewrap started for it alone (the same namespaces,
/// mounts, environment and user as a pool worker), or a bare interpreter with no isolation at all.
/// No warm pool, no zygote: this is the cost a pool saves, and the baseline `python-bench` measures
/// the pool against. Blocking; call it from a thread of your own.
public enum OneShotSandbox {
    /// What a one-shot run produced.
    public struct Outcome: Sendable {
        /// The raw wait status of the process (`exit << 8` for an exit).
        public var waitStatus: Int32
        public var stdout: String
        /// Whether the process exited with status 0.
        public var succeeded: Bool { waitStatus & 0x7F == 0 && (waitStatus >> 8) & 0xFF == 0 }
    }

    /// How to start one-shot processes for `config`, resolved once (interpreter, bwrap, user).
    public struct Launch: Sendable {
        let command: @Sendable (String) -> WorkerCommand

        /// A bare `python3 -c program` with the sandbox's scrubbed environment and user, and no
        /// namespaces (`isolation: nil`), or the same inside a fresh bubblewrap sandbox.
        public init(isolation: Isolation?, config: SandboxPoolConfig = SandboxPoolConfig()) throws {
            let plan = try LaunchPlan(config: config)
            let python = plan.python
            let identity = plan.identity
            switch isolation {
            case .bubblewrap:
                guard let bwrap = plan.bwrap else {
                    throw PythonEnvError.sandboxUnavailable("bwrap is not installed (apt-get install bubblewrap)")
                }
                let layout = HostLayout.current()
                command = { program in
                    WorkerCommand.bubblewrap(
                        bwrap: bwrap, python: python, zygote: program, extraPaths: config.extraPaths,
                        tmpMB: config.tmpMB, identity: identity, host: layout)
                }
            case .rlimitsOnly, nil:
                command = { program in
                    WorkerCommand.rlimitsOnly(python: python, zygote: program, workdir: "/", identity: identity)
                }
            }
        }

        /// Runs `program` to its end and returns its stdout.
        public func run(_ program: String) throws -> Outcome {
            var output: [Int32] = [0, 0]
            guard troupe_pipe_cloexec(&output) == 0 else {
                throw PythonEnvError.sandboxUnavailable("pipe: \(String(cString: strerror(errno)))")
            }
            let null = open("/dev/null", O_RDWR | O_CLOEXEC)
            defer {
                close(output[0])
                close(null)
            }
            let pid: pid_t
            do {
                pid = try WorkerProcess.spawn(command(program), stdin: null, stdout: output[1], stderr: null)
            } catch {
                close(output[1])
                throw PythonEnvError.sandboxUnavailable(error.message)
            }
            close(output[1])
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(output[0], $0.baseAddress!, $0.count) }
                if count > 0 {
                    bytes.append(contentsOf: chunk[..<count])
                } else if count == 0 || errno != EINTR {
                    break
                }
            }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            return Outcome(waitStatus: status, stdout: String(decoding: bytes, as: UTF8.self))
        }
    }
}
