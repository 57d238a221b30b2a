/// The LoRA hyperparameters, with PEFT's names and meaning (`LoraConfig`).
///
/// Validated when made or decoded, so a bad rank or an unknown module never reaches the numerics.
public struct LoRAConfig: Codable, Sendable, Equatable {
    /// r: the rank of A [r, in] and B [out, r].
    public var r: Int
    /// α: the output is scaled by α/r (α/√r with rsLoRA).
    public var alpha: Double
    /// Dropout on the adapter's input, as PEFT applies it (per module, scaled by 1/(1−p)).
    public var dropout: Double
    /// rsLoRA (Kalajdzievski 2023): scaling α/√r instead of α/r.
    public var useRSLoRA: Bool
    /// Projections that get adapters, by Hugging Face name.
    public var targetModules: [String]
    /// Blocks that get adapters (nil: all), PEFT's `layers_to_transform`.
    public var layers: [Int]?

    /// The seven projections of a Llama block, in the order the trainer lists parameters.
    public static let allModules = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]

    public init(
        r: Int = 8, alpha: Double = 16, dropout: Double = 0, useRSLoRA: Bool = false,
        targetModules: [String] = LoRAConfig.allModules, layers: [Int]? = nil
    ) throws {
        self.r = r
        self.alpha = alpha
        self.dropout = dropout
        self.useRSLoRA = useRSLoRA
        self.targetModules = targetModules
        self.layers = layers
        try validate()
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            r: c.decode(Int.self, forKey: .r), alpha: c.decode(Double.self, forKey: .alpha),
            dropout: c.decodeIfPresent(Double.self, forKey: .dropout) ?? 0,
            useRSLoRA: c.decodeIfPresent(Bool.self, forKey: .useRSLoRA) ?? false,
            targetModules: c.decodeIfPresent([String].self, forKey: .targetModules) ?? LoRAConfig.allModules,
            layers: c.decodeIfPresent([Int].self, forKey: .layers))
    }

    public func validate() throws {
        guard r >= 1, r <= 4096 else { throw TrainError.badConfig("lora r must be in 1...4096, found \(r)") }
        guard alpha > 0, alpha.isFinite else {
            throw TrainError.badConfig("lora alpha must be positive, found \(alpha)")
        }
        guard dropout >= 0, dropout < 1 else {
            throw TrainError.badConfig("lora dropout must be in [0, 1), found \(dropout)")
        }
        guard !targetModules.isEmpty else { throw TrainError.badConfig("lora target modules are empty") }
        for m in targetModules where !LoRAConfig.allModules.contains(m) {
            throw TrainError.badConfig(
                "unknown lora target module '\(m)'; use any of \(LoRAConfig.allModules.joined(separator: ", ")) or all-linear"
            )
        }
    }

    /// The factor on B·A·x: α/r, or α/√r with rsLoRA (PEFT's `scaling`).
    public var scaling: Float { Float(useRSLoRA ? alpha / Double(r).squareRoot() : alpha / Double(r)) }

    /// Parses a module list as the CLI gives it: names separated by commas, or "all-linear"
    /// (PEFT's shorthand for every projection).
    public static func modules(_ text: String) throws -> [String] {
        let parts = text.split(separator: ",").map { String($0.filter { $0 != " " && $0 != "\t" }) }.filter {
            !$0.isEmpty
        }
        if parts == ["all-linear"] || parts == ["all"] { return allModules }
        return parts
    }
}
