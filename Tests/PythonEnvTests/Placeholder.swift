import Testing
import TroupeCore
@testable import PythonEnv

@Test func smoke() async throws {
    let pool = try await SandboxPool.start(SandboxPoolConfig(workers: 2))
    print(pool.isolation, pool.isolationNote ?? "-", pool.report.serialized())
    let r = try await pool.run(SandboxJob(task: .call(source: "def solution():\n    return 6*7", function: "solution", args: [], kwargs: [:])), client: "a")
    print(r)
    let clock = ContinuousClock()
    let start = clock.now
    let jobs = (0..<400).map { i in SandboxJob(task: .call(source: "def solution():\n    return \(i)", function: "solution", args: [], kwargs: [:])) }
    let results = try await pool.run(jobs, client: "b")
    let el = clock.now - start
    print("400 jobs", el, results.filter { $0.status == .ok }.count, pool.stats())
}
