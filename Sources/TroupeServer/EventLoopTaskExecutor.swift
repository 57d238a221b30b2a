import NIOCore

/// Runs Swift tasks on a NIO event loop: the preferred executor of the tasks that carry out
/// environment operations, so that a step started from a connection's event loop runs on that
/// same thread (environment actors are default actors, which follow the task's preference), and
/// its answer is written without a thread switch. It also keeps the server independent of the
/// global concurrency pool: code that blocks the pool cannot stall a session.
///
/// An environment that blocks its thread therefore blocks the event loop it runs on; environments
/// must not block (the ones that run external work do it in worker processes or on their own
/// threads).
final class EventLoopTaskExecutor: TaskExecutor, @unchecked Sendable {
    let loop: any EventLoop

    init(_ loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
