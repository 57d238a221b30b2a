import Foundation
import TroupeCore
import TroupeLM

/// Checkpoints: `checkpoint-<step>/` in the output directory, holding
///
/// - `adapter_config.json`, `adapter_model.safetensors`: the adapter (a PEFT directory, loadable
///   as is);
/// - `optimizer.safetensors`: AdamW's moments (`exp_avg.<parameter>`, `exp_avg_sq.<parameter>`)
///   and the objective's state (the DPO reference cache);
/// - `trainer_state.json`: the step, the tokens seen, and every setting and data fingerprint
///   the run depends on.
///
/// Atomicity: a checkpoint is written into a hidden `.checkpoint-<step>.partial-<pid>` directory,
/// each file fsynced, and renamed into place only when complete (then the parent directory is
/// fsynced). A run killed at any moment leaves every earlier checkpoint intact, and resuming
/// ignores partial directories. The data position needs no saving: step s's examples follow
/// from s and the seed.
extension Trainer {
    static var stateFile: String { "trainer_state.json" }
    static var optimizerFile: String { "optimizer.safetensors" }

    /// Writes a checkpoint for the current step; returns its path. Old checkpoints beyond
    /// `output.saveTotalLimit` are then removed.
    @discardableResult
    public func saveCheckpoint(in directory: String) throws -> String {
        try FileIO.makeDirectory(directory)
        let final = directory + "/checkpoint-\(step)"
        let partial = directory + "/.checkpoint-\(step).partial-\(getpid())"
        try? FileManager.default.removeItem(atPath: partial)
        try FileIO.makeDirectory(partial)
        try lora.savePEFT(to: partial, baseModel: model.source)
        var writer = SafetensorsWriter(metadata: ["format": "troupe-optimizer"])
        for (k, p) in optimizer.parameters.enumerated() {
            try writer.add("exp_avg." + p.name, shape: p.value.shape, values: optimizer.m[k].values)
            try writer.add("exp_avg_sq." + p.name, shape: p.value.shape, values: optimizer.v[k].values)
        }
        for (name, values) in objective.checkpointTensors() {
            try writer.add("objective." + name, shape: [values.count], values: values)
        }
        do { try writer.write(to: partial + "/" + Self.optimizerFile) } catch {
            throw TrainError.cannotWrite(path: partial, reason: "\(error)")
        }
        try FileIO.write(stateJSON().canonicalString() + "\n", to: partial + "/" + Self.stateFile)
        FileIO.syncDirectory(partial)
        if FileIO.exists(final) {
            let old = directory + "/.checkpoint-\(step).old-\(getpid())"
            guard rename(final, old) == 0 else {
                throw TrainError.cannotWrite(path: final, reason: String(cString: strerror(errno)))
            }
            try? FileManager.default.removeItem(atPath: old)
        }
        guard rename(partial, final) == 0 else {
            throw TrainError.cannotWrite(path: final, reason: String(cString: strerror(errno)))
        }
        FileIO.syncDirectory(directory)
        if let limit = output.saveTotalLimit, limit > 0 {
            for (_, path) in Self.checkpoints(in: directory).dropLast(limit) {
                try? FileManager.default.removeItem(atPath: path)
            }
        }
        return final
    }

    /// The settings and position a checkpoint records.
    func stateJSON() throws -> JSONValue {
        [
            "format": "troupe-trainer-state", "version": 1, "global_step": .number(step),
            "num_tokens": .number(tokensSeen), "adam_step": .number(optimizer.step),
            "total_steps": .number(totalSteps), "examples": .number(examples.count),
            "data_fingerprint": .string(String(dataFingerprint, radix: 16)),
            "trainer_config": try JSONValue(encoding: config), "lora_config": try JSONValue(encoding: lora.config),
            "model_config": try JSONValue(encoding: model.config), "objective": objective.settings,
            "base_model": .string(model.source),
        ]
    }

    /// Completed checkpoints in `directory`, oldest first.
    public static func checkpoints(in directory: String) -> [(step: Int, path: String)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap { name -> (Int, String)? in
            guard name.hasPrefix("checkpoint-"), let n = Int(name.dropFirst("checkpoint-".count)) else { return nil }
            let path = directory + "/" + name
            return FileIO.exists(path + "/" + stateFile) ? (n, path) : nil
        }.sorted { $0.0 < $1.0 }
    }

    /// The newest completed checkpoint in `directory`, if any.
    public static func latestCheckpoint(in directory: String) -> String? { checkpoints(in: directory).last?.path }

    /// Restores adapters, optimizer state, objective state and position from `path`, after
    /// checking that it was made by a run with the same settings and data.
    public func resume(from path: String) throws {
        func fail(_ detail: String) -> TrainError { TrainError.badCheckpoint(path: path, detail: detail) }
        let state: JSONValue
        do { state = try FileIO.readJSON(path + "/" + Self.stateFile) } catch {
            throw fail("no readable \(Self.stateFile)")
        }
        guard state["format"]?.stringValue == "troupe-trainer-state" else { throw fail("not a Troupe checkpoint") }
        let mine = try stateJSON()
        for key in ["trainer_config", "lora_config", "model_config", "objective", "examples", "data_fingerprint"] {
            guard let theirs = state[key], theirs.canonicalized() == mine[key]?.canonicalized() else {
                throw fail(
                    "its \(key) differs: the checkpoint has \(state[key]?.canonicalString() ?? "none"), this run has \(mine[key]?.canonicalString() ?? "none")"
                )
            }
        }
        guard let savedStep = state["global_step"]?.intValue, let tokens = state["num_tokens"]?.intValue,
            let adamStep = state["adam_step"]?.intValue, savedStep >= 0, savedStep <= totalSteps
        else { throw fail("trainer_state.json lacks a valid global_step, num_tokens or adam_step") }
        let adapter: SafetensorsFile, moments: SafetensorsFile
        do {
            adapter = try SafetensorsFile(path: path + "/" + LoRAModel.weightsFile)
            moments = try SafetensorsFile(path: path + "/" + Self.optimizerFile)
        } catch { throw fail("\(error)") }
        func values(_ file: SafetensorsFile, _ name: String, count: Int) throws -> [Float] {
            guard let info = file.tensors[name], info.elementCount == count else {
                throw fail("tensor '\(name)' is missing or has the wrong size")
            }
            return try FileIO.floats(file, info)
        }
        for (k, p) in optimizer.parameters.enumerated() {
            p.value.data.update(from: try values(adapter, p.name, count: p.value.count), count: p.value.count)
            optimizer.m[k].data.update(
                from: try values(moments, "exp_avg." + p.name, count: p.value.count), count: p.value.count)
            optimizer.v[k].data.update(
                from: try values(moments, "exp_avg_sq." + p.name, count: p.value.count), count: p.value.count)
        }
        var objectiveTensors: [String: [Float]] = [:]
        for (name, info) in moments.tensors where name.hasPrefix("objective.") {
            objectiveTensors[String(name.dropFirst("objective.".count))] = try FileIO.floats(moments, info)
        }
        try objective.restore(tensors: objectiveTensors)
        restore(step: Int(savedStep), tokensSeen: Int(tokens), adamStep: Int(adamStep))
    }
}
