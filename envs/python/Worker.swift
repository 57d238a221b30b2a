import Foundation
import TroupeCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// One worker of a pool: a dedicated thread that owns one worker process at a time, takes jobs
/// from the scheduler, runs them, and replaces its process whenever it failed.
///
/// The thread (not Swift's cooperative pool) does the blocking I/O, so a slow job never occupies
/// one of the few threads async code runs on; and because the thread started the process, the
/// process is killed if the thread ever ends (PR_SET_PDEATHSIG).
final class Worker: @unchecked Sendable {
    let index: Int
    let launcher: Launcher
    let scheduler: Scheduler
    /// Touched only on this worker's thread.
    private var process: WorkerProcess?
    private var workdir: Launcher.Workdir?
    private var started = 0

    /// The backstop: how long past a job's own wall-clock limit the worker may take to answer
    /// before it is killed from here (the zygote enforces the limit itself; this catches a zygote
    /// that cannot).
    static let grace: Duration = .seconds(5)
    /// The result frame may always be this long, even when `output_bytes` is smaller (a value
    /// of a few kilobytes must not fail a job whose output limit is tiny).
    static let minimumResultCap = 1 << 20
    /// How long a worker may take to start (interpreter start and preloading, on a loaded machine).
    static let startTimeout: Duration = .seconds(60)

    init(index: Int, launcher: Launcher, scheduler: Scheduler) {
        self.index = index
        self.launcher = launcher
        self.scheduler = scheduler
    }

    /// Starts the thread, which starts the process and then serves jobs.
    func start() {
        spawnThread { worker in
            _ = worker.launch()
            worker.serve()
        }
    }

    /// Starts the thread and reports whether the first process came up (with its ready report).
    /// On failure the thread ends; on success it goes on serving jobs.
    func startProbing() async -> Result<JSONValue, LaunchFailure> {
        await withCheckedContinuation { continuation in
            spawnThread { worker in
                switch worker.launch() {
                case .success(let report):
                    continuation.resume(returning: .success(report))
                    worker.serve()
                case .failure(let failure):
                    continuation.resume(returning: .failure(failure))
                    worker.finish()
                }
            }
        }
    }

    private func spawnThread(_ body: @escaping @Sendable (Worker) -> Void) {
        let thread = Thread { [self] in body(self) }
        thread.name = "troupe-python-worker-\(index)"
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Starts a worker process; the failure is a message for people.
    private func launch() -> Result<JSONValue, LaunchFailure> {
        if let why = launcher.unavailable { return .failure(LaunchFailure(why)) }
        do {
            if workdir == nil { workdir = try launcher.makeWorkdir(index) }
            let command = launcher.command(workdir)
            let process = try WorkerProcess(
                command, hello: launcher.hello(workdir: command.workdir), timeout: Worker.startTimeout)
            if let problem = launcher.verify(process.ready) {
                process.terminate()
                return .failure(LaunchFailure(problem))
            }
            self.process = process
            started += 1
            if started > 1 { scheduler.countRestart() }
            return .success(process.ready)
        } catch let failure as WorkerFailure {
            return .failure(LaunchFailure(failure.message))
        } catch {
            return .failure(LaunchFailure(error.troupeMessage))
        }
    }

    private func serve() {
        scheduler.countWorker()
        while let item = scheduler.next() {
            let outcome = run(item)
            scheduler.finish(item, outcome)
        }
        finish()
    }

    private func finish() {
        process?.terminate()
        process = nil
        workdir?.remove()
        workdir = nil
    }

    /// Runs one job on this worker's process, starting one first when needed.
    private func run(_ item: Scheduler.Item) -> Result<SandboxResult, any Error> {
        if let process, !process.isIdleAndAlive {
            process.terminate()  // it died while idle: the job must not be blamed for that
            self.process = nil
        }
        if process == nil {
            // Two tries: a job that killed its worker leaves nothing wrong with the next start.
            var failure = ""
            for _ in 0..<2 {
                if case .failure(let why) = launch() { failure = why.message } else { break }
            }
            if process == nil { return .failure(PythonEnvError.sandboxUnavailable(failure)) }
        }
        let process = self.process!
        let queued = ContinuousClock.now - item.enqueued
        let deadline = ContinuousClock.now + .seconds(item.job.limits.timeoutSeconds) + Worker.grace
        do {
            let job = item.job
            let nonce = Worker.nonce()
            let capture = try process.run(
                control: job.control(id: item.id).serializedBytes(),
                request: job.request(nonce: nonce).serializedBytes(),
                stdin: job.stdinBytes, outputCap: job.limits.outputBytes,
                resultCap: max(job.limits.outputBytes, Worker.minimumResultCap), deadline: deadline)
            // A reply with a status is the zygote's own failure to run the job (a bug there).
            let reply =
                capture.reply["status"] != nil
                ? capture.reply : JobVerdict.reply(capture, kind: job.task.kind, nonce: nonce, limits: job.limits)
            var result = SandboxResult(reply: reply, isolation: launcher.isolation)
            result.queueSeconds = queued.seconds
            return .success(result)
        } catch {
            self.process = nil  // exchange killed it; the next job starts a fresh one
            var result: SandboxResult
            switch error {
            case .deadline:
                result = .killed(
                    "the job did not finish within its wall-clock limit of \(item.job.limits.timeoutSeconds.clean) s "
                        + "and the sandbox did not stop it in time; the whole sandbox was killed",
                    isolation: launcher.isolation, type: "Timeout")
                result.status = .timeout
            case .setUp:
                result = .killed(error.message, isolation: launcher.isolation)
            default:
                result = .killed(
                    "the sandbox worker died while running this job (\(error.message)); it has been replaced",
                    isolation: launcher.isolation)
            }
            result.queueSeconds = queued.seconds
            return .success(result)
        }
    }
}

extension Worker {
    /// A fresh nonce for a job's result frame: 128 random bits in hex.
    static func nonce() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in
            let hex = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }
}

/// Why a worker process could not be started, for people.
struct LaunchFailure: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

extension Duration {
    /// The duration in seconds, as a double.
    var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) * 1e-18
    }
}
