import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A fixed set of threads that run data-parallel loops with microsecond latency.
///
/// Decoding one token runs a few hundred short parallel loops (one per matrix product), each a
/// few tens of microseconds long, so dispatching must cost far less than that: the workers spin
/// on an atomic generation counter for a short while after each loop before they go to sleep on
/// a condition variable. The calling thread works too, so a pool of `threads` uses `threads - 1`
/// extra threads.
///
/// Pools live for the whole process (their threads hold them): use `WorkerPool.shared` or keep
/// the few you make.
///
/// Invariant: `parallelFor` calls are serialized (one loop at a time); a loop's body must not call
/// back into the same pool. Who calls it: the model's kernels, never user code directly.
public final class WorkerPool: @unchecked Sendable {
    /// Threads working on each loop, the caller included.
    public let threads: Int

    private let generation = Atomic<Int>(0)
    private let nextChunk = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let loopLock = Mutex<Void>(())
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var workers: [pthread_t] = []
    // The current loop, valid while a generation is running.
    nonisolated(unsafe) private var body: ((Int) -> Void)?
    nonisolated(unsafe) private var chunkCount = 0

    /// A pool of `threads` threads (the caller included); 1 runs loops inline.
    public init(threads: Int) {
        self.threads = max(1, threads)
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
        for _ in 1..<self.threads {
            var thread = pthread_t()
            let rc = pthread_create(
                &thread, nil,
                { raw in
                    Unmanaged<WorkerPool>.fromOpaque(raw!).takeUnretainedValue().workerLoop()
                    return nil
                }, Unmanaged.passUnretained(self).toOpaque())
            if rc == 0 { workers.append(thread) }
        }
    }

    /// The process-wide pool, with `defaultThreads` threads.
    public static let shared = WorkerPool(threads: defaultThreads)

    /// The number of cores the engine uses by default: `TROUPE_THREADS` if set, else the online
    /// processors.
    public static var defaultThreads: Int {
        if let text = getenv("TROUPE_THREADS").map({ String(cString: $0) }), let n = Int(text), n > 0 { return n }
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// Calls `body(i)` for every `i` in `0..<chunks`, spread over the pool's threads, and returns
    /// when all calls have finished.
    public func parallelFor(_ chunks: Int, _ body: (Int) -> Void) {
        if chunks <= 0 { return }
        if threads == 1 || chunks == 1 || workers.isEmpty {
            for i in 0..<chunks { body(i) }
            return
        }
        loopLock.withLock { _ in
            withoutActuallyEscaping(body) { escaping in
                self.body = escaping
                chunkCount = chunks
                nextChunk.store(0, ordering: .relaxed)
                finished.store(0, ordering: .relaxed)
                // Publish the loop, then wake sleepers. Both sides use sequentially consistent
                // order (here: bump, then read `sleepers`; a worker: count itself a sleeper, then
                // read `generation`), so at least one sees the other: either the worker sees the
                // new generation and does not sleep, or this thread sees the sleeper and
                // broadcasts under the mutex, which the worker holds until it waits.
                generation.add(1, ordering: .sequentiallyConsistent)
                if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                    pthread_mutex_lock(&mutex)
                    pthread_cond_broadcast(&condition)
                    pthread_mutex_unlock(&mutex)
                }
                runChunks()
                // Wait for the workers that picked up a chunk (and for all to see the generation,
                // so none reads `body` after it is gone).
                while finished.load(ordering: .acquiring) < workers.count { spinPause() }
                self.body = nil
            }
        }
    }

    private func runChunks() {
        guard let body else { return }
        while true {
            let i = nextChunk.add(1, ordering: .relaxed).newValue - 1
            if i >= chunkCount { break }
            body(i)
        }
    }

    private func workerLoop() {
        var seen = generation.load(ordering: .acquiring)
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                if spins < 50_000 {
                    spinPause()
                } else {
                    pthread_mutex_lock(&mutex)
                    sleepers.add(1, ordering: .sequentiallyConsistent)
                    while generation.load(ordering: .sequentiallyConsistent) == seen {
                        pthread_cond_wait(&condition, &mutex)
                    }
                    sleepers.subtract(1, ordering: .releasing)
                    pthread_mutex_unlock(&mutex)
                }
            }
            seen = generation.load(ordering: .acquiring)
            runChunks()
            finished.add(1, ordering: .releasing)
        }
    }
}

/// One iteration of a busy wait. (x86's `pause` would be kinder to the sibling hyperthread, but
/// the intrinsic does not link in debug builds; the atomic load in the loop keeps it honest.)
@inline(__always)
private func spinPause() {}
