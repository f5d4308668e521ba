/// The known name nearest to a misspelt one, if it is close enough to be a plausible typo.
///
/// - Returns: The first name (in the order given) at the smallest edit distance, when that distance is at most
///   `maxDistance`.
func closestName(to name: String, among candidates: [String], maxDistance: Int = 2) -> String? {
    var best: (name: String, distance: Int)?
    for candidate in candidates {
        let distance = editDistance(name, candidate)
        if distance <= maxDistance, distance < best?.distance ?? .max {
            best = (candidate, distance)
        }
    }
    return best?.name
}

/// Levenshtein distance: the fewest single-character insertions, deletions and substitutions from `a` to `b`.
func editDistance(_ a: String, _ b: String) -> Int {
    let source = Array(a)
    let target = Array(b)
    var previous = Array(0...target.count)
    for (i, sourceChar) in source.enumerated() {
        var current = [i + 1]
        for (j, targetChar) in target.enumerated() {
            let substitution = previous[j] + (sourceChar == targetChar ? 0 : 1)
            current.append(min(substitution, previous[j + 1] + 1, current[j] + 1))
        }
        previous = current
    }
    return previous[target.count]
}
