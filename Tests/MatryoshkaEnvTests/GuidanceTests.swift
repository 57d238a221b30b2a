import Testing

@testable import MatryoshkaEnv

@Suite struct GuidanceTests {
    @Test func readsMatryoshkasFormat() {
        let text = """
            # General Plan: I need to find a mug, heat it and put it in the cabinet.
            # [Step 1] get a list of receptacles where the mug is likely to appear.
            # [Step 2] go to each receptacle in the list until seeing a mug.
            #   (open closed ones)
            # [Step 3] take the mug.
            """
        let guidance = Guidance.parse(text)
        #expect(guidance.isStructured)
        #expect(guidance.generalPlan == "I need to find a mug, heat it and put it in the cabinet.")
        #expect(guidance.steps.map(\.number) == [1, 2, 3])
        #expect(guidance.steps[1].text == "go to each receptacle in the list until seeing a mug. (open closed ones)")
        #expect(guidance.notes.isEmpty)
    }

    @Test func acceptsLooseSpellings() {
        let guidance = Guidance.parse("General plan - heat it\nStep 1: find the egg\n2. heat it\n3) put it down")
        #expect(guidance.generalPlan == "- heat it")
        #expect(
            guidance.steps == [
                .init(number: 1, text: "find the egg"), .init(number: 2, text: "heat it"),
                .init(number: 3, text: "put it down"),
            ])
    }

    @Test func bracketedStepsWinOverNumberedLines() {
        // With [Step k] markers present, a numbered line inside a step is part of it.
        let guidance = Guidance.parse("[Step 1] check these:\n1. the fridge\n[Step 2] take it")
        #expect(guidance.steps.map(\.text) == ["check these: 1. the fridge", "take it"])
    }

    @Test func freeTextIsNotes() {
        let guidance = Guidance.parse("  Look in the fridge first.\nThen heat the egg.  ")
        #expect(!guidance.isStructured)
        #expect(guidance.notes == ["Look in the fridge first.", "Then heat the egg."])
        #expect(Guidance.parse(" \n\t").isEmpty)
    }

    @Test func formattedRoundTrips() {
        let guidance = Guidance.parse("# General Plan: go\n# [Step 1] a\n# [Step 2] b")
        #expect(
            Guidance.parse(guidance.formatted)
                == Guidance(raw: guidance.formatted, generalPlan: "go", steps: guidance.steps, notes: []))
    }

    @Test func walkthroughBecomesSteps() {
        let text = GuidanceWriter.walkthrough([
            "go to countertop 2", "take apple 1 from countertop 2", "go to fridge 1", "cool apple 1 with fridge 1",
        ])
        let guidance = Guidance.parse(text)
        #expect(guidance.generalPlan == "Take apple 1 from countertop 2, then cool apple 1 with fridge 1.")
        #expect(
            guidance.steps.map(\.text) == [
                "Go to countertop 2.", "Take apple 1 from countertop 2.", "Go to fridge 1.",
                "Cool apple 1 with fridge 1.",
            ])
    }
}
