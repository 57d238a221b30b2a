internal import CTroupeKernels
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
/// for a while after each loop (briefly with `pause`, then yielding the core to any other
/// runnable thread) before they sleep on a condition variable. The calling thread works too, so
/// a pool of `threads` uses `threads - 1` extra threads.
///
/// The caller never waits for a worker that has not started: chunks are claimed one at a time
/// (a compare-and-swap on a word that holds the loop's generation, its chunk count and the next
/// chunk), so a worker that wakes late, or is descheduled on a busy machine, either claims a
/// chunk of the loop that is still running or finds nothing; the caller runs whatever is left
/// and returns as soon as every chunk has finished. A claimed chunk is the only thing a worker
/// holds, and the loop cannot end before it finishes, so no worker ever reads a finished loop's
/// body.
///
/// A loop that finds the pool busy (another thread's loop, or a loop started from inside a
/// loop's body) runs on its calling thread alone instead of waiting: concurrent callers never
/// deadlock or serialize behind each other. Who calls it: the model's kernels.
///
/// Deinitializing a pool stops and joins its threads.
public final class WorkerPool: @unchecked Sendable {
    /// Threads working on each loop, the caller included.
    public let threads: Int
    private let state: PoolState
    private var workers: [pthread_t] = []

    /// A pool of `threads` threads (the caller included); 1 runs loops inline.
    public init(threads: Int) {
        self.threads = max(1, threads)
        state = PoolState()
        for _ in 1..<self.threads {
            let retained = Unmanaged.passRetained(state).toOpaque()
            #if canImport(Glibc)
                var thread = pthread_t()
            #else
                var thread: pthread_t?
            #endif
            let rc = pthread_create(
                &thread, nil,
                { raw in
                    let state = Unmanaged<PoolState>.fromOpaque(raw!).takeRetainedValue()
                    state.workerLoop()
                    return nil
                }, retained)
            if rc == 0 {
                #if canImport(Glibc)
                    workers.append(thread)
                #else
                    workers.append(thread!)
                #endif
            } else {
                Unmanaged<PoolState>.fromOpaque(retained).release()
            }
        }
    }

    deinit {
        state.stop()
        for thread in workers { pthread_join(thread, nil) }
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
    /// when all calls have finished. Chunks should be a few microseconds of work or more.
    public func parallelFor(_ chunks: Int, _ body: (Int) -> Void) {
        if chunks <= 0 { return }
        if workers.isEmpty || chunks == 1 || !state.acquire() {
            for i in 0..<chunks { body(i) }
            return
        }
        defer { state.release() }
        if chunks > PoolState.maxChunks {
            // More chunks than the loop word counts: run them in groups.
            let group = (chunks + PoolState.maxChunks - 1) / PoolState.maxChunks
            state.run((chunks + group - 1) / group) { g in
                for i in (g * group)..<min(chunks, (g + 1) * group) { body(i) }
            }
        } else {
            state.run(chunks, body)
        }
    }
}

extension WorkerPool {
    /// The fewest rows of cheap row-wise work (a norm, a quantization, RoPE of one token) worth
    /// a parallel loop: below it, dispatching costs more than it saves.
    public static let rowMinimum = 8

    /// Calls `body` on consecutive pieces of `0..<count` (about two per thread), in parallel
    /// when `count` is at least `minimum`, else once with the whole range on the calling thread.
    /// For row-wise work (norms, quantization, RoPE of many tokens) that is cheap per row: a
    /// parallel loop pays off only when there are enough rows.
    public func parallelRanges(_ count: Int, minimum: Int, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let pieces = min(count, 2 * threads)
        guard count >= minimum, pieces > 1 else { return body(0..<count) }
        parallelFor(pieces) { i in body((i * count / pieces)..<((i + 1) * count / pieces)) }
    }
}

/// What a pool's threads share. Workers hold it strongly, so it outlives the `WorkerPool`
/// handle until every thread has stopped.
final class PoolState: @unchecked Sendable {
    /// The loop word: generation (bits 40…63), chunk count (bits 20…39), next chunk (bits 0…19).
    private let word = Atomic<UInt64>(0)
    /// Chunks of the current loop that have finished.
    private let completed = Atomic<Int>(0)
    /// Workers asleep (or about to sleep) on `condition`.
    private let sleepers = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private let stopping = Atomic<Bool>(false)
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// The running loop's body: written only while no chunk can be claimed (before the loop's
    /// word is published, after its last chunk has finished); read only by a thread that holds
    /// a claimed chunk.
    nonisolated(unsafe) private var body: ((Int) -> Void)?
    private var generation: UInt64 = 0  // the caller's, under `busy`

    static let maxChunks = (1 << 20) - 1
    /// Busy-wait iterations before a worker sleeps: the first `pauses` are a `pause` each (tens
    /// of nanoseconds, a few microseconds in all: the gap between two loops of a decode step),
    /// the rest a `sched_yield` each (about 100 µs in all on an idle core: the gap between two
    /// steps). Yielding rather than pausing matters on a busy machine: when another process
    /// holds the other core, the pool's threads share one, and a worker that kept spinning there
    /// would take it from the caller, which has the next loop to publish.
    static let spins = 384
    static let pauses = 64

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    @inline(__always) private static func generation(_ w: UInt64) -> UInt64 { w >> 40 }
    @inline(__always) private static func count(_ w: UInt64) -> Int { Int((w >> 20) & 0xF_FFFF) }
    @inline(__always) private static func next(_ w: UInt64) -> Int { Int(w & 0xF_FFFF) }

    /// Takes the pool for one loop; false when another loop holds it.
    func acquire() -> Bool { busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged }

    func release() { busy.store(false, ordering: .releasing) }

    /// Runs one loop (the caller holds `busy`).
    func run(_ chunks: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { escaping in
            self.body = escaping
            completed.store(0, ordering: .relaxed)
            generation = (generation + 1) & 0xFF_FFFF
            // Publish (sequentially consistent, paired with a sleeper's registration: either the
            // sleeper sees the new word, or this thread sees the sleeper and wakes it).
            word.store(generation << 40 | UInt64(chunks) << 20, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(mutex)
                pthread_cond_broadcast(condition)
                pthread_mutex_unlock(mutex)
            }
            runChunks(of: generation)
            var spins = 0
            while completed.load(ordering: .acquiring) < chunks {
                // A worker holds a chunk; if it was descheduled, give it the core.
                spins += 1
                if spins < Self.pauses { tk_cpu_relax() } else { sched_yield() }
            }
            self.body = nil
        }
    }

    /// Claims and runs chunks of loop `generation` until none is left.
    private func runChunks(of generation: UInt64) {
        var w = word.load(ordering: .acquiring)
        while Self.generation(w) == generation, Self.next(w) < Self.count(w) {
            let (exchanged, original) = word.compareExchange(
                expected: w, desired: w + 1, ordering: .acquiringAndReleasing)
            if exchanged {
                runChunk(Self.next(w))
                w = word.load(ordering: .acquiring)
            } else {
                w = original
            }
        }
    }

    /// Runs one claimed chunk and counts it finished.
    private func runChunk(_ i: Int) {
        call(i)
        completed.add(1, ordering: .releasing)
    }

    /// Separate from `runChunk` so that this thread's copy of `body` is released before the
    /// chunk counts as finished (the loop's end checks that its closure did not escape).
    @inline(never)
    private func call(_ i: Int) { body!(i) }

    func workerLoop() {
        var seen = Self.generation(word.load(ordering: .acquiring))
        while true {
            var spins = 0
            var w = word.load(ordering: .acquiring)
            while Self.generation(w) == seen {
                if stopping.load(ordering: .relaxed) { return }
                spins += 1
                if spins < Self.pauses {
                    tk_cpu_relax()
                } else if spins < Self.spins {
                    sched_yield()
                } else {
                    pthread_mutex_lock(mutex)
                    sleepers.add(1, ordering: .sequentiallyConsistent)
                    while Self.generation(word.load(ordering: .sequentiallyConsistent)) == seen,
                        !stopping.load(ordering: .sequentiallyConsistent)
                    {
                        pthread_cond_wait(condition, mutex)
                    }
                    sleepers.subtract(1, ordering: .sequentiallyConsistent)
                    pthread_mutex_unlock(mutex)
                    spins = 0
                }
                w = word.load(ordering: .acquiring)
            }
            seen = Self.generation(w)
            runChunks(of: seen)
        }
    }

    /// Wakes every worker and makes it return.
    func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        pthread_mutex_lock(mutex)
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }
}
