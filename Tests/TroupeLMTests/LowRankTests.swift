import Testing
import TroupeCore

@testable import TroupeLM

/// The fused LoRA products (`LowRank`, `lora.c`) against the same sums in f64, for each kernel
/// set, on shapes with every kind of tail (rows not a multiple of 4 or of `rowChunk`, widths not
/// a multiple of 8 or 16, odd ranks), and bit-identical at any pool thread count.
@Suite struct LowRankTests {
    struct Shape: Sendable, CustomStringConvertible {
        var T, n, out, r: Int
        var description: String { "T \(T) in \(n) out \(out) r \(r)" }
    }

    static let shapes = [
        Shape(T: 2 * LowRank.rowChunk + 7, n: 37, out: 29, r: 3), Shape(T: 9, n: 64, out: 48, r: 8),
        Shape(T: 1, n: 5, out: 3, r: 1),
    ]

    /// Everything one call pair computes, from fixed inputs.
    struct Run: Equatable {
        var y, xa, dx, gradA, gradB: [Float]
    }

    static func run(_ s: Shape, kernels: Kernels, pool: WorkerPool) -> Run {
        var rng = SeededRNG(seed: 5)
        func random(_ n: Int) -> Tensor { Tensor([n], values: (0..<n).map { _ in Float(rng.double() * 2 - 1) }) }
        let x = random(s.T * s.n), a = random(s.r * s.n), b = random(s.out * s.r), dy = random(s.T * s.out)
        let y = random(s.T * s.out), dx = random(s.T * s.n), gradA = random(s.r * s.n), gradB = random(s.out * s.r)
        let xa = Tensor([s.T, s.r])
        LowRank.forward(
            x.data, a: a.data, b: b.data, scale: 1.5, xa: xa.data, y: y.data, tokens: s.T, in: s.n, out: s.out,
            rank: s.r, pool: pool, kernels: kernels)
        LowRank.backward(
            x.data, dy: dy.data, a: a.data, b: b.data, scale: 1.5, xa: xa.data, dx: dx.data, gradA: gradA.data,
            gradB: gradB.data, tokens: s.T, in: s.n, out: s.out, rank: s.r, pool: pool, kernels: kernels)
        return Run(y: y.values, xa: xa.values, dx: dx.values, gradA: gradA.values, gradB: gradB.values)
    }

    /// The same sums in f64, by their definitions.
    static func reference(_ s: Shape) -> Run {
        var rng = SeededRNG(seed: 5)
        func random(_ n: Int) -> [Double] { (0..<n).map { _ in Double(Float(rng.double() * 2 - 1)) } }
        let x = random(s.T * s.n), a = random(s.r * s.n), b = random(s.out * s.r), dy = random(s.T * s.out)
        var y = random(s.T * s.out), dx = random(s.T * s.n), gradA = random(s.r * s.n)
        var gradB = random(s.out * s.r), xa = [Double](repeating: 0, count: s.T * s.r)
        for t in 0..<s.T {
            for j in 0..<s.r { xa[t * s.r + j] = (0..<s.n).reduce(0) { $0 + a[j * s.n + $1] * x[t * s.n + $1] } }
            for o in 0..<s.out {
                y[t * s.out + o] += 1.5 * (0..<s.r).reduce(0) { $0 + b[o * s.r + $1] * xa[t * s.r + $1] }
            }
            let dxa = (0..<s.r).map { j in 1.5 * (0..<s.out).reduce(0) { $0 + dy[t * s.out + $1] * b[$1 * s.r + j] } }
            for j in 0..<s.r {
                for o in 0..<s.out { gradB[o * s.r + j] += 1.5 * dy[t * s.out + o] * xa[t * s.r + j] }
                for i in 0..<s.n {
                    gradA[j * s.n + i] += dxa[j] * x[t * s.n + i]
                    dx[t * s.n + i] += dxa[j] * a[j * s.n + i]
                }
            }
        }
        func f(_ v: [Double]) -> [Float] { v.map { Float($0) } }
        return Run(y: f(y), xa: f(xa), dx: f(dx), gradA: f(gradA), gradB: f(gradB))
    }

    @Test(arguments: shapes)
    func matchesTheSumsInDoublePrecision(shape: Shape) {
        let expected = Self.reference(shape)
        for kernels in KernelTests.kernelSets {
            let got = Self.run(shape, kernels: kernels, pool: WorkerPool(threads: 2))
            for (name, g, e) in [
                ("y", got.y, expected.y), ("xa", got.xa, expected.xa), ("dx", got.dx, expected.dx),
                ("gradA", got.gradA, expected.gradA), ("gradB", got.gradB, expected.gradB),
            ] {
                // Relative to the largest value: f32 sums of up to 263 products.
                let scale = e.map(abs).max() ?? 1
                #expect(maxDifference(g, e, "\(kernels) \(name) \(shape)") <= 2e-5 * max(1, scale))
            }
        }
    }

    @Test func doesNotDependOnTheThreadCount() {
        let shape = Self.shapes[0]
        for kernels in KernelTests.kernelSets {
            let one = Self.run(shape, kernels: kernels, pool: WorkerPool(threads: 1))
            #expect(Self.run(shape, kernels: kernels, pool: WorkerPool(threads: 3)) == one)
        }
    }
}
