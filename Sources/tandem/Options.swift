import ArgumentParser

/// The options every training command shares.
struct RunOptions: ParsableArguments {
    @Option(help: "Training profile: quick (minutes, the file's [*.quick] overrides), paper (the tables as written), or any profile the file declares.")
    var profile: String = "quick"
    @Flag(help: "Continue the run in --out from its last checkpoint.") var resume = false

    func validate() throws {
        guard !profile.isEmpty else { throw ValidationError("--profile must name a profile, e.g. quick or paper") }
    }
}

/// The option of every command that reads a problem file's own data files.
struct PathOptions: ParsableArguments {
    @Flag(help: "Read and write files the problem file names outside its own directory (absolute paths, or paths whose .. climbs out); refused by default.")
    var allowOutsidePaths = false
}
