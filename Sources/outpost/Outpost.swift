import ArgumentParser

@main
struct Outpost: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outpost",
        abstract: "Edge inference platform for generative AI.",
        subcommands: []
    )
}
