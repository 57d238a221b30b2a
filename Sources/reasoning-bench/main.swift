// reasoning-bench: generate-and-verify throughput of reasoning-v0's families, in process.
//
// For each family and split it measures, over the same tasks: generating a task (question,
// answer, scripted rationale), verifying the scripted rationale, and verifying a rationale with an
// error injected at a random step. It prints one line per (family, split) and a JSON report with
// `--json`. Numbers are tasks (or verifications) per second on one core; the ratio column compares
// verification with generation in the same run, so machines of different speed compare.
//
//   swift run -c release reasoning-bench [--tasks N] [--json]

import Foundation
import ReasoningEnv
import TroupeCore

let arguments = CommandLine.arguments.dropFirst()
var tasks = 300
var json = false
var index = arguments.startIndex
while index < arguments.endIndex {
    switch arguments[index] {
    case "--tasks":
        index += 1
        guard index < arguments.endIndex, let n = Int(arguments[index]), n > 0 else {
            FileHandle.standardError.write(Data("reasoning-bench: --tasks needs a positive integer\n".utf8))
            exit(2)
        }
        tasks = n
    case "--json": json = true
    case "--help", "-h":
        print(
            "usage: reasoning-bench [--tasks N] [--json]\nMeasures generate-and-verify throughput of every reasoning-v0 family."
        )
        exit(0)
    default:
        FileHandle.standardError.write(Data("reasoning-bench: unknown argument \(arguments[index]); see --help\n".utf8))
        exit(2)
    }
    index += 1
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}

let clock = ContinuousClock()
var rows: [JSONValue] = []
for family in ReasoningFamily.allCases {
    for split in Split.allCases {
        let request = TaskRequest(family: family, split: split)
        var made: [any ReasoningTask] = []
        let generation = try clock.measure {
            for seed in 0..<UInt64(tasks) { made.append(try ReasoningTasks.make(request, seed: seed, cached: false)) }
        }
        let texts = made.map(\.rationaleText)
        var rng = SeededRNG(seed: 1)
        let wrong = made.map { task in
            task.render(task.injectingError(at: rng.int(in: 0..<task.rationale.count), rng: &rng))
        }
        var correct = 0
        let verifyRight = clock.measure {
            for (task, text) in zip(made, texts) where task.verify(Attempt(parsing: text)).isCorrect { correct += 1 }
        }
        var located = 0
        let verifyWrong = clock.measure {
            for (task, text) in zip(made, wrong) where !task.verify(Attempt(parsing: text)).isCorrect { located += 1 }
        }
        let steps = made.reduce(0) { $0 + $1.rationale.count }
        let row: JSONValue = [
            "family": .string(family.rawValue), "split": .string(split.rawValue), "tasks": .number(tasks),
            "mean_steps": .double(Double(steps) / Double(tasks)),
            "generate_per_s": .double(Double(tasks) / seconds(generation)),
            "verify_correct_per_s": .double(Double(tasks) / seconds(verifyRight)),
            "verify_wrong_per_s": .double(Double(tasks) / seconds(verifyWrong)),
            "scripted_verified": .number(correct), "errors_found": .number(located),
        ]
        rows.append(row)
        if !json {
            let gen = Double(tasks) / seconds(generation)
            let ver = Double(tasks) / seconds(verifyRight)
            print(
                String(
                    format:
                        "%-21@ %-11@ steps %5.1f  generate %9.0f/s  verify %9.0f/s (x%.1f of generate)  injected %9.0f/s  ok %d/%d found %d/%d",
                    family.rawValue as NSString, split.rawValue as NSString, Double(steps) / Double(tasks), gen, ver,
                    ver / gen,
                    Double(tasks) / seconds(verifyWrong), correct, tasks, located, tasks))
        }
    }
}
if json { print(JSONValue.array(rows).serialized()) }
