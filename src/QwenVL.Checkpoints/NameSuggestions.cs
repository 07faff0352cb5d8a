// "Did you mean" helper for missing tensor names: ranks candidates by shared prefix + shared suffix.
// It deliberately avoids edit distance: checkpoint names differ by a segment in the middle
// ("model.layers.3.mlp.up_proj.weight" vs "...gate_proj..."), which prefix+suffix captures cheaply.
namespace QwenVL.Checkpoints;

internal static class NameSuggestions
{
    /// <summary>Up to <paramref name="max"/> names sharing the longest prefix+suffix with <paramref name="name"/>.</summary>
    public static IReadOnlyList<string> Similar(string name, IEnumerable<string> candidates, int max = 3) =>
        candidates
            .Select(c => (Name: c, Score: Score(name, c)))
            .Where(x => x.Score > 0)
            .OrderByDescending(x => x.Score)
            .ThenBy(x => x.Name, StringComparer.Ordinal)
            .Take(max)
            .Select(x => x.Name)
            .ToList();

    private static int Score(string a, string b)
    {
        int limit = Math.Min(a.Length, b.Length);
        int prefix = 0;
        while (prefix < limit && a[prefix] == b[prefix])
        {
            prefix++;
        }
        // The suffix may not reuse characters already counted in the prefix.
        int suffix = 0;
        while (suffix < limit - prefix && a[a.Length - 1 - suffix] == b[b.Length - 1 - suffix])
        {
            suffix++;
        }
        return prefix + suffix;
    }
}
