import Testing
import TroupeCore
import TroupeWire

@testable import TroupeServer

/// The session table alone: no sockets, no environments (sessions run on plain integers), time
/// passed in by hand.
@Suite struct SessionTableTests {
    typealias Table = SessionTable<Int>
    let c1 = ConnectionID(1)
    let c2 = ConnectionID(2)
    static let ms: UInt64 = 1_000_000

    /// A table with connection c1 and one made session "s1" on env 100.
    func table(_ limits: ServerLimits = ServerLimits()) -> Table {
        var table = Table(limits: limits)
        table.connected(c1)
        table.connected(c2)
        let actions = table.make(MakeRequest(env: "echo-v0"), id: 1, connection: c1, seed: 1, now: 0)
        guard case .make(let ticket) = actions.first else { fatalError("expected a make action") }
        _ = table.made(ticket, .success(100), spec: .null, token: "tok", now: 0)
        return table
    }

    func runs(_ actions: [Table.Action]) -> [(Job, Int, SessionOp)] {
        actions.compactMap {
            if case .run(_, _, let job, let index, let op) = $0 { return (job, index, op) } else { return nil }
        }
    }

    func sends(_ actions: [Table.Action]) -> [(ConnectionID, Reply)] {
        actions.compactMap { if case .send(let c, let r) = $0 { return (c, r) } else { return nil } }
    }

    func code(_ reply: Reply) -> ErrorCode? {
        if case .failure(let error) = reply.result { return error.code }
        return nil
    }

    @Test func operationsOnOneSessionRunInOrderOneAtATime() {
        var t = table()
        let first = runs(t.submit(.step("a"), session: "s1", id: 2, connection: c1, now: 1))
        #expect(first.count == 1)
        #expect(runs(t.submit(.step("b"), session: "s1", id: 3, connection: c1, now: 1)).isEmpty)
        let (job, index, op) = first[0]
        let after = t.finished(
            session: "s1", job: job, index: index, op: op, result: .success(.empty), env: 100, now: 2)
        #expect(sends(after).map(\.1.id) == [2])
        let next = runs(after)
        #expect(next.count == 1)
        #expect(next.first?.2 == .step("b"))
    }

    @Test func onlyTheOwnerMayOperateASession() {
        var t = table()
        let answer = sends(t.submit(.step("a"), session: "s1", id: 2, connection: c2, now: 1))
        #expect(answer.count == 1 && code(answer[0].1) == .unknownSession)
    }

    @Test func pendingRequestsPerSessionAreBounded() {
        var t = table(ServerLimits(maxPendingPerSession: 2))
        _ = t.submit(.step("a"), session: "s1", id: 2, connection: c1, now: 1)
        _ = t.submit(.step("b"), session: "s1", id: 3, connection: c1, now: 1)
        let third = sends(t.submit(.step("c"), session: "s1", id: 4, connection: c1, now: 1))
        #expect(third.count == 1 && code(third[0].1) == .tooManyPending)
    }

    @Test func makeWaitsAtCapacityAndIsAdmittedWhenASlotFrees() {
        var t = table(ServerLimits(maxSessions: 1, makeQueueLimit: 1, makeQueueTimeoutMs: 1000))
        #expect(t.make(MakeRequest(env: "echo-v0"), id: 5, connection: c2, seed: 1, now: 1).isEmpty)
        #expect(t.waiters.count == 1)
        let full = sends(t.make(MakeRequest(env: "echo-v0"), id: 6, connection: c2, seed: 1, now: 1))
        #expect(full.count == 1 && code(full[0].1) == .capacity)
        // Closing s1 frees the slot: the waiting make is admitted.
        let close = runs(t.submit(.close, session: "s1", id: 7, connection: c1, now: 2))
        let after = t.finished(
            session: "s1", job: close[0].0, index: 0, op: .close, result: .success(.empty), env: 100, now: 3)
        #expect(after.contains { if case .make(let ticket) = $0 { return ticket.id == 5 } else { return false } })
        #expect(t.sessions["s1"] == nil)
    }

    @Test func queuedMakeTimesOut() {
        var t = table(ServerLimits(maxSessions: 1, makeQueueLimit: 4, makeQueueTimeoutMs: 50))
        _ = t.make(MakeRequest(env: "echo-v0"), id: 5, connection: c2, seed: 1, now: 0)
        #expect(sends(t.tick(now: 49 * Self.ms)).isEmpty)
        let expired = sends(t.tick(now: 50 * Self.ms))
        #expect(expired.count == 1 && code(expired[0].1) == .capacity && expired[0].0 == c2)
        #expect(t.waiters.isEmpty)
    }

    @Test func stepTimeoutAnswersAndClosesTheSession() {
        var t = table(ServerLimits(stepTimeoutMs: 100))
        let started = runs(t.submit(.step("a"), session: "s1", id: 2, connection: c1, now: 0))
        _ = t.submit(.step("b"), session: "s1", id: 3, connection: c1, now: 0)
        #expect(sends(t.tick(now: 99 * Self.ms)).isEmpty)
        let timedOut = t.tick(now: 100 * Self.ms)
        #expect(sends(timedOut).map { code($0.1) } == [.timeout, .timeout])
        #expect(t.sessions["s1"] == nil)
        // The stuck call returns later: its environment is closed then, and nothing is answered.
        let late = t.finished(
            session: "s1", job: started[0].0, index: 0, op: started[0].2, result: .success(.empty), env: 100, now: 200)
        #expect(late.count == 1)
        if case .close(let env) = late[0] { #expect(env == 100) } else { Issue.record("expected close") }
    }

    @Test func idleSessionsAreReaped() {
        var t = table(ServerLimits(idleTimeoutMs: 1000))
        #expect(t.tick(now: 999 * Self.ms).isEmpty)
        let reaped = t.tick(now: 1000 * Self.ms)
        #expect(reaped.contains { if case .close(100) = $0 { return true } else { return false } })
        #expect(t.sessions.isEmpty)
        #expect(t.counters.removals[.idle] == 1)
    }

    @Test func detachedSessionsLiveForTheirLeaseThenGo() {
        var t = table(ServerLimits(idleTimeoutMs: 0, leaseMs: 500))
        _ = t.disconnected(c1, now: 100 * Self.ms)
        #expect(t.sessions["s1"]?.owner == nil)
        #expect(t.tick(now: 599 * Self.ms).isEmpty)
        _ = t.tick(now: 600 * Self.ms)
        #expect(t.sessions.isEmpty)
        #expect(t.counters.removals[.leaseExpired] == 1)
    }

    @Test func resumeReturnsFinishedAnswersAndRetargetsRunningOnes() {
        var t = table()
        let first = runs(t.submit(.step("a"), session: "s1", id: 2, connection: c1, now: 1))
        _ = t.submit(.step("b"), session: "s1", id: 3, connection: c1, now: 1)
        _ = t.disconnected(c1, now: 2)
        // Step 2 finishes while nobody is connected; step 3 starts.
        let after = t.finished(
            session: "s1", job: first[0].0, index: 0, op: first[0].2,
            result: .success(.step(StepResult(observation: "a"))),
            env: 100, now: 3)
        let second = runs(after)
        let resumed = sends(
            t.resume(
                session: "s1", token: "tok", waiting: [2, 3, 4], id: 9, connection: c2, spec: { _ in .null }, now: 4))
        guard case .success(.resumed(_, let replies, let pending)) = resumed.first?.1.result else {
            Issue.record("expected a resumed answer")
            return
        }
        #expect(replies.map(\.id) == [2])
        #expect(pending == [3])
        // The answer of the running step now goes to the new connection.
        let done = t.finished(
            session: "s1", job: second[0].0, index: 0, op: second[0].2, result: .success(.empty), env: 100, now: 5)
        #expect(sends(done).map(\.0) == [c2])
    }

    /// A batch over two sessions whose item on the resumed session finished while its item on the
    /// other still runs: the resume lists it as pending, and its answer goes to the new connection.
    @Test func resumeRetargetsABatchStillRunningOnAnotherSession() {
        var t = table()
        let made = t.make(MakeRequest(env: "echo-v0"), id: 5, connection: c1, seed: 2, now: 0)
        guard case .make(let ticket) = made.first else { fatalError("expected a make action") }
        _ = t.made(ticket, .success(200), spec: .null, token: "tok2", now: 0)
        let started = runs(t.submitBatch([.step("s1", "a"), .step("s2", "b")], id: 6, connection: c1, now: 1))
        #expect(started.count == 2)
        _ = t.disconnected(c1, now: 2)
        let first = t.finished(
            session: "s1", job: started[0].0, index: 0, op: started[0].2, result: .success(.empty), env: 100, now: 3)
        #expect(sends(first).isEmpty)
        let resumed = sends(
            t.resume(session: "s1", token: "tok", waiting: [6], id: 9, connection: c2, spec: { _ in .null }, now: 4))
        guard case .success(.resumed(_, let replies, let pending)) = resumed.first?.1.result else {
            Issue.record("expected a resumed answer")
            return
        }
        #expect(replies.isEmpty)
        #expect(pending == [6])
        let last = t.finished(
            session: "s2", job: started[1].0, index: 1, op: started[1].2, result: .success(.empty), env: 200, now: 5)
        #expect(sends(last).map(\.0) == [c2])
        // Once it finished, a later resume gets its answer.
        let again = sends(
            t.resume(session: "s1", token: "tok", waiting: [6], id: 10, connection: c2, spec: { _ in .null }, now: 6))
        guard case .success(.resumed(_, let replies, let pending)) = again.first?.1.result else {
            Issue.record("expected a resumed answer")
            return
        }
        #expect(replies.map(\.id) == [6])
        #expect(pending.isEmpty)
    }

    @Test func resumeNeedsTheToken() {
        var t = table()
        let answer = sends(
            t.resume(session: "s1", token: "nope", waiting: [], id: 9, connection: c2, spec: { _ in .null }, now: 1))
        #expect(code(answer[0].1) == .badToken)
        let missing = sends(
            t.resume(session: "s7", token: "tok", waiting: [], id: 9, connection: c2, spec: { _ in .null }, now: 1))
        #expect(code(missing[0].1) == .unknownSession)
    }

    @Test func batchAnswersOnceWithEveryItem() {
        var t = table()
        let actions = t.submitBatch(
            [.step("s1", "a"), .step("s9", "b"), .step("s1", "c")], id: 4, connection: c1, now: 1)
        let started = runs(actions)
        #expect(started.count == 1)
        var all = t.finished(
            session: "s1", job: started[0].0, index: 0, op: started[0].2, result: .success(.empty), env: 100, now: 2)
        #expect(sends(all).isEmpty)
        let next = runs(all)
        all = t.finished(
            session: "s1", job: next[0].0, index: 2, op: next[0].2, result: .success(.empty), env: 100, now: 3)
        let answers = sends(all)
        #expect(answers.count == 1)
        guard case .success(.batch(let items)) = answers[0].1.result else {
            Issue.record("expected a batch answer")
            return
        }
        #expect(items.count == 3)
        if case .failure(let error) = items[1] {
            #expect(error.code == .unknownSession)
        } else {
            Issue.record("item 1")
        }
    }

    @Test func connectionLimit() {
        var t = table(ServerLimits(maxSessionsPerConnection: 1))
        let answer = sends(t.make(MakeRequest(env: "echo-v0"), id: 5, connection: c1, seed: 1, now: 1))
        #expect(code(answer[0].1) == .connectionLimit)
    }

    @Test func drainRefusesNewWork() {
        var t = table()
        _ = t.drain()
        #expect(
            code(sends(t.make(MakeRequest(env: "echo-v0"), id: 5, connection: c1, seed: 1, now: 1))[0].1)
                == .shuttingDown)
        #expect(code(sends(t.submit(.step("a"), session: "s1", id: 6, connection: c1, now: 1))[0].1) == .shuttingDown)
    }
}
