// The Hugging Face hub cache layout, shared with Python's huggingface_hub:
//   models--ORG--NAME/blobs/<sha256 or git blob id>        the bytes (".incomplete" while downloading)
//   models--ORG--NAME/snapshots/<commit>/<path>            relative symlinks into ../../blobs
//   models--ORG--NAME/refs/<revision>                      the commit the revision pointed at (no newline)
// It finds, lists and removes cached models; it never downloads (Downloader writes through BlobPath/Link).
namespace QwenVL.Hub;

/// <summary>One cached snapshot.</summary>
/// <param name="Repo">ORG/NAME.</param>
/// <param name="Revision">A ref pointing at it (main, a tag), else the commit.</param>
/// <param name="Commit">Snapshot folder name.</param>
/// <param name="Path">Snapshot folder.</param>
/// <param name="SizeBytes">Bytes of the blobs its files point at.</param>
/// <param name="Complete">Whether it holds config.json, tokenizer.json and every weight shard.</param>
public sealed record CachedModel(string Repo, string Revision, string Commit, string Path, long SizeBytes, bool Complete);

/// <summary>A hub cache root (HF_HUB_CACHE, or the ModelScope root in the same layout).</summary>
public sealed class HubCache(string root)
{
    /// <summary>The cache root.</summary>
    public string Root { get; } = root;

    /// <summary>models--ORG--NAME folder of <paramref name="repo"/>.</summary>
    public string RepoFolder(RepoId repo) => Path.Combine(Root, repo.CacheFolderName);

    /// <summary>Path of a blob.</summary>
    public string BlobPath(RepoId repo, string blobName) => Path.Combine(RepoFolder(repo), "blobs", blobName);

    /// <summary>Snapshot folder of a commit.</summary>
    public string SnapshotFolder(RepoId repo, string commit) => Path.Combine(RepoFolder(repo), "snapshots", commit);

    /// <summary>The commit a revision points at: refs/REV, or REV itself when it names a snapshot folder; null when unknown.</summary>
    public string? CommitOf(RepoId repo, string revision)
    {
        string refFile = Path.Combine(RepoFolder(repo), "refs", revision);
        if (File.Exists(refFile))
        {
            return File.ReadAllText(refFile).Trim();
        }
        return Directory.Exists(SnapshotFolder(repo, revision)) ? revision : null;
    }

    /// <summary>The complete snapshot folder of <paramref name="repo"/> at its revision, or null.</summary>
    public string? FindComplete(RepoId repo)
    {
        string? commit = CommitOf(repo, repo.EffectiveRevision);
        string? folder = commit is null ? null : SnapshotFolder(repo, commit);
        return folder is not null && IsCompleteCheckpoint(folder) ? folder : null;
    }

    /// <summary>Points <paramref name="file"/> of a snapshot at its blob with a relative symlink (a copy where links are not allowed).</summary>
    public void Link(RepoId repo, string commit, string file, string blobName)
    {
        string target = Path.Combine(SnapshotFolder(repo, commit), file.Replace('/', Path.DirectorySeparatorChar));
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        // From snapshots/<commit>/a/b.json the blob is ../../../blobs/<name>: two levels for snapshots/<commit>, one per folder in the path.
        string relative = string.Concat(Enumerable.Repeat("../", 2 + file.Count(c => c == '/'))) + "blobs/" + blobName;
        var existing = new FileInfo(target);
        if (existing.Exists || existing.LinkTarget is not null)
        {
            existing.Delete();
        }
        try
        {
            File.CreateSymbolicLink(target, relative);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            // Windows without developer mode cannot make symlinks; huggingface_hub copies in that case too.
            File.Copy(BlobPath(repo, blobName), target, overwrite: true);
        }
    }

    /// <summary>Writes refs/<paramref name="revision"/> = <paramref name="commit"/> (skipped when the revision is the commit).</summary>
    public void WriteRef(RepoId repo, string revision, string commit)
    {
        if (revision == commit)
        {
            return;
        }
        string refFile = Path.Combine(RepoFolder(repo), "refs", revision.Replace('/', Path.DirectorySeparatorChar));
        Directory.CreateDirectory(Path.GetDirectoryName(refFile)!);
        File.WriteAllText(refFile, commit);
    }

    /// <summary>Every snapshot in the cache, sorted by repository.</summary>
    public IReadOnlyList<CachedModel> List()
    {
        var result = new List<CachedModel>();
        if (!Directory.Exists(Root))
        {
            return result;
        }
        foreach (string repoDir in Directory.EnumerateDirectories(Root, "models--*").Order(StringComparer.Ordinal))
        {
            string[] parts = Path.GetFileName(repoDir).Split("--");
            if (parts.Length != 3 || !Directory.Exists(Path.Combine(repoDir, "snapshots")))
            {
                continue;
            }
            var refs = new Dictionary<string, string>(StringComparer.Ordinal);
            string refsDir = Path.Combine(repoDir, "refs");
            if (Directory.Exists(refsDir))
            {
                foreach (string f in Directory.EnumerateFiles(refsDir, "*", SearchOption.AllDirectories))
                {
                    refs.TryAdd(File.ReadAllText(f).Trim(), Path.GetRelativePath(refsDir, f).Replace('\\', '/'));
                }
            }
            foreach (string snap in Directory.EnumerateDirectories(Path.Combine(repoDir, "snapshots")).Order(StringComparer.Ordinal))
            {
                string commit = Path.GetFileName(snap);
                result.Add(new CachedModel(parts[1] + "/" + parts[2], refs.GetValueOrDefault(commit, commit), commit, snap, SnapshotBytes(snap), IsCompleteCheckpoint(snap)));
            }
        }
        return result;
    }

    /// <summary>Deletes every snapshot, blob and ref of <paramref name="repo"/>; returns the bytes freed (0 when absent).</summary>
    public long Remove(RepoId repo)
    {
        string folder = RepoFolder(repo);
        if (!Directory.Exists(folder))
        {
            return 0;
        }
        string blobs = Path.Combine(folder, "blobs");
        long bytes = Directory.Exists(blobs) ? Directory.EnumerateFiles(blobs).Sum(f => new FileInfo(f).Length) : 0;
        Directory.Delete(folder, recursive: true);
        return bytes;
    }

    /// <summary>
    /// True when <paramref name="folder"/> holds what the engine loads: config.json, tokenizer.json and the weights
    /// (model.safetensors, or every shard named by model.safetensors.index.json), each resolving to an existing file.
    /// Python tools often cache only config.json (AutoConfig), so a snapshot's existence alone proves nothing.
    /// </summary>
    public static bool IsCompleteCheckpoint(string folder)
    {
        bool Has(string name) => Resolve(Path.Combine(folder, name)) is not null;
        if (!Has("config.json") || !Has("tokenizer.json"))
        {
            return false;
        }
        string index = Path.Combine(folder, "model.safetensors.index.json");
        if (!File.Exists(index))
        {
            return Has("model.safetensors");
        }
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(index));
            return doc.RootElement.GetProperty("weight_map").EnumerateObject().Select(p => p.Value.GetString()!).Distinct().All(Has);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The existing file a path ends at after following symlinks, or null (missing, dangling link, link loop).</summary>
    public static FileInfo? Resolve(string path)
    {
        try
        {
            var info = new FileInfo(path);
            FileInfo final = info.LinkTarget is null ? info : (info.ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? info);
            return final.Exists ? final : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static long SnapshotBytes(string snapshot) =>
        Directory.EnumerateFiles(snapshot, "*", SearchOption.AllDirectories).Select(Resolve).Sum(f => f?.Length ?? 0);
}
