// Downloads a listed repository into the hub cache: several files at once, each into
// blobs/<name>.incomplete with HTTP Range resume, then checked (size, and SHA-256 for LFS files or the
// git blob id otherwise) before it is renamed to its blob and linked into the snapshot. A file that fails
// the check is deleted and fetched again from byte 0; a partial file never becomes a blob. It does not
// decide whether to download (ModelResolver asks) and takes no cross-process lock (huggingface_hub's .locks/).
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace QwenVL.Hub;

/// <summary>Fetches files into a <see cref="HubCache"/>.</summary>
public sealed class Downloader(HubClient client, HubCache cache)
{
    // 1 MiB reads: big enough that per-read overhead is noise at 1 GB/s, small enough for smooth progress.
    private const int BufferBytes = 1 << 20;

    /// <summary>Downloads every file of <paramref name="listing"/> (or those matching <paramref name="include"/>) and returns the snapshot folder.</summary>
    public async Task<string> PullAsync(RepoListing listing, PullProgress? progress = null, Func<string, bool>? include = null, CancellationToken ct = default)
    {
        RepoListing selected = include is null ? listing : listing with { Files = [.. listing.Files.Where(f => include(f.Path))] };
        progress ??= new PullProgress();
        progress.Start(selected);
        try
        {
            using var gate = new SemaphoreSlim(Math.Max(1, client.Settings.MaxParallel));
            // Files with identical bytes share one blob: fetch it once (two writers on one .incomplete would corrupt it), then link every path.
            await Task.WhenAll(selected.Files.GroupBy(f => f.BlobName, StringComparer.Ordinal).Select(async same =>
            {
                await gate.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    foreach (RemoteFile f in same)
                    {
                        await FetchAsync(selected, f, progress.Track(f), ct).ConfigureAwait(false);
                    }
                }
                finally
                {
                    gate.Release();
                }
            })).ConfigureAwait(false);
            cache.WriteRef(listing.Repo, listing.Repo.EffectiveRevision, listing.Commit);
            return cache.SnapshotFolder(listing.Repo, listing.Commit);
        }
        finally
        {
            progress.Completed = true;
        }
    }

    private async Task FetchAsync(RepoListing listing, RemoteFile file, FileProgress progress, CancellationToken ct)
    {
        RepoId repo = listing.Repo;
        string blob = cache.BlobPath(repo, file.BlobName);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
            // A blob present at the right size was verified when it was written (by us or huggingface_hub): reuse it.
            if (File.Exists(blob) && new FileInfo(blob).Length == file.Size)
            {
                progress.Set(file.Size);
            }
            else
            {
                await DownloadVerifiedAsync(listing, file, blob, progress, ct).ConfigureAwait(false);
            }
            cache.Link(repo, listing.Commit, file.Path, file.BlobName);
            progress.Finished = true;
        }
        catch (IOException e) when (e is not HubException && IsDiskFull(e))
        {
            throw new HubException($"disk full while writing {blob}.incomplete ({file.Path}, {Bytes(file.Size)}); free space or point HF_HUB_CACHE at a larger disk", e) { Kind = HubErrorKind.LocalDisk };
        }
        catch (UnauthorizedAccessException e)
        {
            throw new HubException($"permission denied writing {blob}: make the folder writable or set HF_HUB_CACHE to a folder you own", e) { Kind = HubErrorKind.LocalDisk };
        }
    }

    private async Task DownloadVerifiedAsync(RepoListing listing, RemoteFile file, string blob, FileProgress progress, CancellationToken ct)
    {
        string partial = blob + ".incomplete";
        string url = client.FileUrl(listing.Repo, listing.Commit, file.Path);
        int corrupt = 0;
        Exception? last = null;
        for (int attempt = 0; attempt < client.Settings.MaxAttempts; attempt++)
        {
            if (attempt > 0)
            {
                progress.Retries++;
                // 0.5 s, 1 s, 2 s: enough for a dropped connection to come back, short enough not to look hung.
                await Task.Delay(TimeSpan.FromMilliseconds(250 << attempt), ct).ConfigureAwait(false);
            }
            try
            {
                await DownloadToAsync(listing.Repo, url, file, partial, progress, ct).ConfigureAwait(false);
            }
            catch (HubException e) when (e.Kind is HubErrorKind.Unreachable)
            {
                last = e;
                continue;
            }
            catch (Exception e) when (e is HttpRequestException or HttpIOException || (e is IOException io && !IsDiskFull(io) && e is not HubException))
            {
                last = e; // connection dropped mid-body: the bytes so far stay in .incomplete and the next attempt resumes
                continue;
            }
            catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
            {
                last = e;
                continue;
            }
            string? problem = await CheckAsync(partial, file, ct).ConfigureAwait(false);
            if (problem is null)
            {
                File.Move(partial, blob, overwrite: true);
                return;
            }
            File.Delete(partial);
            progress.Set(0);
            last = new HubException($"{file.Path}: {problem}");
            if (++corrupt >= 2)
            {
                throw new HubException($"{file.Path} from {url}: {problem}, twice; the hub or a proxy is serving bad bytes, retry later or use another endpoint") { Kind = HubErrorKind.Corrupt };
            }
        }
        throw last as HubException ?? client.Unreachable(listing.Repo.Source, $"{file.Path}: {last?.Message}", last);
    }

    private async Task DownloadToAsync(RepoId repo, string url, RemoteFile file, string partial, FileProgress progress, CancellationToken ct)
    {
        long have = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        if (have > file.Size)
        {
            File.Delete(partial);
            have = 0;
        }
        progress.Set(have);
        if (have == file.Size)
        {
            return; // complete but unchecked: CheckAsync decides
        }
        HttpRequestMessage request = client.Request(HttpMethod.Get, url, repo.Source);
        if (have > 0)
        {
            request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(have, null);
        }
        using HttpResponseMessage response = await client.SendAsync(request, repo, ct, ct).ConfigureAwait(false);
        if (have > 0 && response.StatusCode != HttpStatusCode.PartialContent)
        {
            have = 0; // the server ignored the range: start over
            progress.Set(0);
        }
        await using var output = new FileStream(partial, have > 0 ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, BufferBytes);
        await using Stream body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        byte[] buffer = new byte[BufferBytes];
        long written = have;
        int n;
        while ((n = await body.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            if (written + n > file.Size)
            {
                throw new HubException($"{url}: the hub sent more than the {file.Size} bytes it listed for {file.Path}") { Kind = HubErrorKind.Corrupt };
            }
            await output.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
            written += n;
            progress.Add(n);
        }
        if (written < file.Size)
        {
            throw new IOException($"{url}: the connection ended after {written} of {file.Size} bytes");
        }
    }

    /// <summary>Null when <paramref name="path"/> matches the listed size and hash, else what is wrong.</summary>
    private static async Task<string?> CheckAsync(string path, RemoteFile file, CancellationToken ct)
    {
        long length = new FileInfo(path).Length;
        if (length != file.Size)
        {
            return $"size {length} bytes, the hub lists {file.Size}";
        }
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferBytes, useAsync: true);
        if (file.Sha256 is { } expected)
        {
            string actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct).ConfigureAwait(false));
            return actual == expected ? null : $"sha256 {actual}, the hub lists {expected}";
        }
        if (file.GitOid is { Length: 40 } oid)
        {
            // A git blob id is SHA-1 over "blob <size>\0" followed by the bytes.
            using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
            sha1.AppendData(Encoding.ASCII.GetBytes($"blob {file.Size}\0"));
            byte[] buffer = new byte[BufferBytes];
            int n;
            while ((n = await stream.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
            {
                sha1.AppendData(buffer, 0, n);
            }
            string actual = Convert.ToHexStringLower(sha1.GetHashAndReset());
            return actual == oid ? null : $"git blob id {actual}, the hub lists {oid}";
        }
        return null; // nothing listed to compare with beyond the size
    }

    /// <summary>ENOSPC (28) on Unix, ERROR_DISK_FULL (0x70) / ERROR_HANDLE_DISK_FULL (0x27) on Windows.</summary>
    internal static bool IsDiskFull(IOException e) => (e.HResult & 0xFFFF) is 28 or 0x70 or 0x27;

    /// <summary>Human size: 7.5 GB, 120 MB.</summary>
    public static string Bytes(long n) => n switch
    {
        >= 1L << 30 => $"{n / (double)(1L << 30):0.0} GB",
        >= 1L << 20 => $"{n / (double)(1L << 20):0.0} MB",
        >= 1L << 10 => $"{n / 1024.0:0.0} KB",
        _ => $"{n} B",
    };
}
