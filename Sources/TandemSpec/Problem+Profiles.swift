extension Problem {
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
