extension ProblemHeader {
    /// A table with named profiles: `read(table, nil)` is the `paper` profile (the table as
    /// written), each sub-table `[table.NAME]` is profile `NAME` read over it, and `quick` is
    /// `paper` when the file declares no `[table.quick]`. Sub-tables named in `ignoring` are
    /// settings of the table itself (`[training.weights]`), not profiles.
    static func decodeProfiles<Profile>(
        _ t: SpecTable?, ignoring: Set<String> = [], _ read: (SpecTable?, Profile?) throws -> Profile
    ) throws -> [String: Profile] {
        let base = try read(t, nil)
        var profiles = ["paper": base]
        for name in t?.tableKeys ?? [] where !ignoring.contains(name) {
            if let override = try t?.table(name) {
                profiles[name] = try read(override, base)
                try override.finish()
            }
        }
        if profiles["quick"] == nil { profiles["quick"] = base }
        try t?.finish()
        return profiles
    }
}

extension ProblemHeader {
    /// Profile `name` of `profiles` (decoded from the table at `keyPath`).
    /// - Throws: ``ProblemFileError`` at `keyPath` listing the profiles the file has.
    public func profile<Profile>(_ name: String, of profiles: [String: Profile], at keyPath: String) throws -> Profile {
        guard let profile = profiles[name] else {
            throw error(at: keyPath, "no profile \"\(name)\"; the file has \(profiles.keys.sorted().joined(separator: ", "))")
        }
        return profile
    }
}
