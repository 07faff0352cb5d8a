// A hub repository name, ORG/NAME with an optional @REVISION and an optional hf:/ms: source prefix,
// and its folder name in the cache (models--ORG--NAME). It validates characters the hubs allow and
// nothing more; whether the repository exists is for the hub to say.
using System.Text.RegularExpressions;

namespace QwenVL.Hub;

/// <summary>Which hub a repository lives on.</summary>
public enum HubSource
{
    /// <summary>huggingface.co or a mirror (HF_ENDPOINT).</summary>
    HuggingFace,

    /// <summary>modelscope.cn.</summary>
    ModelScope,
}

/// <summary>A repository on a hub, at a revision (null = the hub's default branch).</summary>
public sealed partial record RepoId(string Org, string Name, string? Revision = null, HubSource Source = HubSource.HuggingFace)
{
    /// <summary>ORG/NAME.</summary>
    public string Id => Org + "/" + Name;

    /// <summary>The revision to ask for: the given one, else main (Hugging Face) or master (ModelScope).</summary>
    public string EffectiveRevision => Revision ?? (Source == HubSource.ModelScope ? "master" : "main");

    /// <summary>Folder of this repository in a hub cache: models--ORG--NAME.</summary>
    public string CacheFolderName => $"models--{Org}--{Name}";

    /// <summary>Parses [hf:|ms:|modelscope:]ORG/NAME[@REV]; null when <paramref name="text"/> is not of that shape.</summary>
    public static RepoId? TryParse(string text, HubSource defaultSource = HubSource.HuggingFace)
    {
        HubSource source = defaultSource;
        foreach ((string prefix, HubSource s) in new[] { ("hf:", HubSource.HuggingFace), ("ms:", HubSource.ModelScope), ("modelscope:", HubSource.ModelScope) })
        {
            if (text.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                text = text[prefix.Length..];
                source = s;
            }
        }
        Match m = Shape().Match(text);
        if (!m.Success || m.Groups["name"].Value is "." or ".." || m.Groups["org"].Value is "." or "..")
        {
            return null;
        }
        string? rev = m.Groups["rev"].Success ? m.Groups["rev"].Value : null;
        return new RepoId(m.Groups["org"].Value, m.Groups["name"].Value, rev, source);
    }

    /// <summary>Like <see cref="TryParse"/> but throws a message naming the expected shape.</summary>
    public static RepoId Parse(string text, HubSource defaultSource = HubSource.HuggingFace) =>
        TryParse(text, defaultSource) ?? throw new HubException($"'{text}' is not a repository id; expected ORG/NAME or ORG/NAME@REVISION, e.g. Qwen/Qwen2.5-VL-3B-Instruct");

    /// <summary>ORG/NAME, with @REV when a revision was given.</summary>
    public override string ToString() => Revision is null ? Id : Id + "@" + Revision;

    // Hugging Face allows letters, digits, '-', '_', '.' in both parts (96 chars max); revisions may hold '/', e.g. refs/pr/1.
    [GeneratedRegex(@"^(?<org>[A-Za-z0-9][A-Za-z0-9._-]{0,95})/(?<name>[A-Za-z0-9][A-Za-z0-9._-]{0,95})(@(?<rev>[A-Za-z0-9._/-]{1,200}))?$")]
    private static partial Regex Shape();
}
