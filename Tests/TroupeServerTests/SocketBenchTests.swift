import Testing

@testable import TroupeBench

/// The arithmetic of `envd bench`'s rows and the parsing of its children's readiness lines.
@Suite struct SocketBenchTests {
    static func run(_ steps: Int, p50: Double, p99: Double) -> SocketBench.Measurement {
        SocketBench.Measurement(
            steps: steps, roundTrips: steps / 2, seconds: 2, p50Microseconds: p50, p99Microseconds: p99)
    }

    @Test func aRowTakesEachFiguresMedianOverItsRuns() {
        let median = SocketBench.Measurement.median(of: [
            Self.run(300, p50: 10, p99: 90), Self.run(100, p50: 30, p99: 50), Self.run(200, p50: 20, p99: 70),
        ])
        #expect(median.steps == 200 && median.roundTrips == 100)
        #expect(median.p50Microseconds == 20 && median.p99Microseconds == 70)
        #expect(median.stepsPerSecond == 100)
        // An even count takes the upper median; one run is itself.
        #expect(
            SocketBench.Measurement.median(of: [Self.run(100, p50: 1, p99: 2), Self.run(400, p50: 3, p99: 4)]).steps
                == 400)
        #expect(SocketBench.Measurement.median(of: [Self.run(7, p50: 1, p99: 2)]).steps == 7)
    }

    @Test func readinessLinesNameTheTCPPort() {
        #expect(SocketBench.tcpPort(in: "envd ready unix:/tmp/x.sock tcp:127.0.0.1:40123") == 40123)
        #expect(SocketBench.tcpPort(in: "ready tcp:5555") == 5555)
        #expect(SocketBench.tcpPort(in: "envd ready unix:/tmp/x.sock") == nil)
    }
}
