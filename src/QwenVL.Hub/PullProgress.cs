// Live state of one pull, safe to read from another thread while downloads run: the CLI polls it to
// draw progress bars, the server polls it for the web page. It holds counters only; it draws nothing.
using System.Collections.Concurrent;

namespace QwenVL.Hub;

/// <summary>Progress of one file.</summary>
public sealed class FileProgress(string path, long total)
{
    private long _done;

    /// <summary>Path inside the repository.</summary>
    public string Path { get; } = path;

    /// <summary>Size in bytes.</summary>
    public long Total { get; } = total;

    /// <summary>Bytes on disk so far (resumed bytes included).</summary>
    public long Done => Interlocked.Read(ref _done);

    /// <summary>Verified and linked into the snapshot.</summary>
    public bool Finished { get; internal set; }

    /// <summary>Attempts that restarted or resumed this file after a failure.</summary>
    public int Retries { get; internal set; }

    internal void Set(long value) => Interlocked.Exchange(ref _done, value);

    internal void Add(long delta) => Interlocked.Add(ref _done, delta);
}

/// <summary>Progress of a whole pull.</summary>
public sealed class PullProgress
{
    private readonly ConcurrentDictionary<string, FileProgress> _files = new(StringComparer.Ordinal);

    /// <summary>The repository being pulled (set once listed).</summary>
    public RepoListing? Listing { get; internal set; }

    /// <summary>Files in listing order.</summary>
    public IReadOnlyList<FileProgress> Files => Listing is null ? [] : [.. Listing.Files.Select(f => _files.GetValueOrDefault(f.Path)).OfType<FileProgress>()];

    /// <summary>Bytes of every file.</summary>
    public long TotalBytes => Listing?.TotalBytes ?? 0;

    /// <summary>Bytes on disk so far.</summary>
    public long DoneBytes => _files.Values.Sum(f => f.Done);

    /// <summary>Set when the pull finished (successfully or not).</summary>
    public bool Completed { get; internal set; }

    internal FileProgress Track(RemoteFile file) => _files.GetOrAdd(file.Path, _ => new FileProgress(file.Path, file.Size));

    internal void Start(RepoListing listing)
    {
        Listing = listing;
        foreach (RemoteFile f in listing.Files)
        {
            Track(f);
        }
    }
}
