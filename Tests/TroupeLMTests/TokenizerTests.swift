import Foundation
import Testing
import TroupeCore

@testable import TroupeLM

@Suite struct TokenizerTests {
    /// A tokenizer from one of the tiny tokenizer.json files the reference script trained.
    static func tiny(_ name: String) throws -> Tokenizer {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "troupe-tok-\(name)-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: Fixtures.path("tiny-tokenizer/tokenizer-\(name).json"), toPath: dir + "/tokenizer.json")
        return try Tokenizer(huggingFaceDirectory: dir)
    }

    /// Every text of `tokenizer-cases.json` encodes to the ids Hugging Face tokenizers gives.
    @Test(arguments: ["smollm", "llama3"])
    func matchesHuggingFaceTokenizers(_ name: String) throws {
        let tokenizer = try Self.tiny(name)
        #expect(tokenizer.preTokenizer == (name == "smollm" ? .smollm : .llama3))
        var checked = 0
        for item in try Fixtures.json("tokenizer-cases.json").arrayValue ?? []
        where item["tokenizer"]?.stringValue == name {
            let text = item["text"]!.stringValue!
            let expected = Fixtures.ints(item["ids"])
            let ids = tokenizer.encode(text, parseSpecial: true)
            #expect(ids == expected, "text \(text.debugDescription)")
            #expect(try tokenizer.decode(ids) == text)
            checked += 1
        }
        #expect(checked >= 15)
    }

    /// The GGUF copy of the tokenizer (written by gguf-py) encodes like the tokenizer.json one.
    @Test func ggufTokenizerMatchesTokenizerJSON() throws {
        let gguf = try Tokenizer(gguf: GGUFFile(path: Fixtures.path("tiny-llama-f32.gguf")))
        let json = try Self.tiny("smollm")
        #expect(gguf.vocabularySize == json.vocabularySize)
        for item in try Fixtures.json("tokenizer-cases.json").arrayValue ?? []
        where item["tokenizer"]?.stringValue == "smollm" {
            let text = item["text"]!.stringValue!
            #expect(gguf.encode(text) == Fixtures.ints(item["ids"]), "text \(text.debugDescription)")
        }
        #expect(try gguf.chatTemplate() == .chatML(defaultSystem: ChatTemplate.smolLM2System))
    }

    /// Arbitrary bytes, including invalid UTF-8, survive encode → decode exactly.
    @Test(arguments: PreTokenizer.allCases)
    func roundTripsArbitraryBytes(_ pre: PreTokenizer) throws {
        let base = try Self.tiny("smollm")
        let tokenizer = try Tokenizer(
            tokens: base.tokens, special: base.isSpecial, userDefined: base.tokens.map { _ in false },
            merges: [], preTokenizer: pre, ignoreMerges: false, bosID: nil, eosID: nil, addBOS: false, chatTemplate: nil
        )
        #expect(tokenizer.missingBytes.isEmpty)
        var rng = SeededRNG(seed: 11)
        let alphabet: [[UInt8]] = [
            Array("a Z 9 ' \n\t  .,!".utf8), Array("é日😀½".utf8),
            [0xFF, 0xC3, 0x80, 0xE2, 0x82, 0xED, 0xA0, 0x80, 0xF4, 0x90],
        ]
        for _ in 0..<200 {
            var bytes: [UInt8] = []
            for _ in 0..<rng.int(in: 0..<40) {
                let pool = alphabet[rng.int(in: 0..<alphabet.count)]
                bytes.append(pool[rng.int(in: 0..<pool.count)])
            }
            let ids = tokenizer.encode(bytes: bytes, parseSpecial: false)
            #expect(try tokenizer.decodeBytes(ids) == bytes)
        }
    }

    @Test func preTokenizerSplitsAsTheRegexes() {
        func pieces(_ pre: PreTokenizer, _ text: String) -> [String] {
            let bytes = Array(text.utf8)
            return pre.split(bytes).map { String(decoding: bytes[$0], as: UTF8.self) }
        }
        #expect(
            pieces(.gpt2, "Hello world's  end 123!!\n\nx") == [
                "Hello", " world", "'s", " ", " end", " 123", "!!", "\n", "\n", "x",
            ])
        #expect(pieces(.smollm, "in 2024, x1") == ["in", " ", "2", "0", "2", "4", ",", " x", "1"])
        #expect(
            pieces(.llama3, "In 2024, I'M  here\n\n  ok") == [
                "In", " ", "202", "4", ",", " I", "'M", " ", " here", "\n\n", " ", " ok",
            ])
        #expect(pieces(.qwen2, "x 123") == ["x", " ", "1", "2", "3"])
    }

    @Test func specialTokensAreMatchedOnlyWhenAsked() throws {
        let tokenizer = try Self.tiny("smollm")
        let start = tokenizer.id(of: "<|im_start|>")!
        #expect(tokenizer.encode("<|im_start|>user", parseSpecial: true).first == start)
        #expect(!tokenizer.encode("<|im_start|>user", parseSpecial: false).contains(start))
        #expect(try tokenizer.decode(tokenizer.encode("<|im_start|>hi", parseSpecial: true), skipSpecial: true) == "hi")
        #expect(throws: LMError.self) { try tokenizer.decode([tokenizer.vocabularySize]) }
    }

    @Test func chatTemplatesRender() throws {
        let messages = [ChatMessage(role: "user", content: "Hi")]
        let smol = try ChatTemplate(name: "smollm2").render(messages)
        #expect(
            smol
                == "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
        )
        let withSystem = try ChatTemplate.chatML(defaultSystem: "X").render(
            [ChatMessage(role: "system", content: "S")] + messages, addGenerationPrompt: false)
        #expect(withSystem == "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n")
        let llama = try ChatTemplate.llama3.render([ChatMessage(role: "user", content: "  Hi \n")])
        #expect(
            llama
                == "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
        )
        #expect(throws: LMError.self) {
            try ChatTemplate(template: "{{ '[INST] ' + message['content'] + ' [/INST]' }}")
        }
        #expect(throws: LMError.self) {
            try ChatTemplate(template: "{% for m in messages %}{{ m.content }}{% endfor %}")
        }
        #expect(throws: LMError.self) { try ChatTemplate.llama3.render([ChatMessage(role: "robot", content: "x")]) }
        #expect(throws: LMError.self) { try ChatTemplate.llama3.render([]) }
    }
}
