// One GGUF file (v2 or v3), memory-mapped read-only, with its validated metadata and tensor table.
// Like SafeTensorsFile it copies no tensor data: callers get pointers into the mapping, valid until
// Dispose. It does not interpret ggml types nor tensor names (QwenVL.Models maps those).
using System.IO.MemoryMappedFiles;

namespace QwenVL.Checkpoints.Gguf;

/// <summary>A memory-mapped, bounds-checked GGUF file.</summary>
public sealed unsafe class GgufFile : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _start;
    private readonly Dictionary<string, GgufTensorInfo> _byName;
    private bool _disposed;

    private GgufFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* start, int version,
        GgufMetadata metadata, List<GgufTensorInfo> tensors, int alignment, long dataOffset)
    {
        Path = path;
        _map = map;
        _view = view;
        _start = start;
        Version = version;
        Metadata = metadata;
        Tensors = tensors;
        Alignment = alignment;
        DataOffset = dataOffset;
        _byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>Full path of the file.</summary>
    public string Path { get; }

    /// <summary>GGUF version (2 or 3).</summary>
    public int Version { get; }

    /// <summary>The key/value metadata.</summary>
    public GgufMetadata Metadata { get; }

    /// <summary>The tensor table in file order.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }

    /// <summary>Alignment of tensor data (general.alignment, default 32).</summary>
    public int Alignment { get; }

    /// <summary>File offset where the data section starts.</summary>
    public long DataOffset { get; }

    /// <summary>general.architecture ("qwen2vl", "clip"), or null when absent.</summary>
    public string? Architecture => Metadata.String("general.architecture");

    /// <summary>Maps the file and validates its header; any problem is a <see cref="CheckpointException"/>.</summary>
    public static GgufFile Open(string path)
    {
        string full = CheckpointFiles.FullPath(path);
        FileStream stream = OpenStream(full);
        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        bool acquired = false;
        try
        {
            long length = stream.Length;
            if (length < 24)
            {
                // Too short to map meaningfully (and an empty file cannot be mapped at all).
                throw new CheckpointException(full, null, $"file is {length} bytes; a GGUF header needs at least 24 (magic, version, two counts)");
            }
            map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* start = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
            acquired = true;
            start += view.PointerOffset;
            var (version, metadata, tensors, alignment, dataOffset) = GgufHeaderParser.Parse(start, length, full);
            return new GgufFile(full, map, view, start, version, new GgufMetadata(full, metadata), tensors, alignment, dataOffset);
        }
        catch (Exception ex)
        {
            if (acquired)
            {
                view!.SafeMemoryMappedViewHandle.ReleasePointer();
            }
            view?.Dispose();
            map?.Dispose();
            stream.Dispose();
            if (ex is IOException or UnauthorizedAccessException)
            {
                throw new CheckpointException(full, null, $"cannot map file: {ex.Message}", ex);
            }
            throw;
        }
    }

    /// <summary>True when the file reads as GGUF: at least four bytes, the first four "GGUF". Never throws for I/O.</summary>
    public static bool HasMagic(string path)
    {
        try
        {
            using FileStream s = File.OpenRead(path);
            Span<byte> b = stackalloc byte[4];
            return s.ReadAtLeast(b, 4, throwOnEndOfStream: false) == 4 && b.SequenceEqual("GGUF"u8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Whether the table has a tensor of this name.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>Table entry of a tensor; <see cref="CheckpointException"/> when absent.</summary>
    public GgufTensorInfo GetInfo(string name) => _byName.TryGetValue(name, out GgufTensorInfo? info) ? info
        : throw new CheckpointException(Path, name, $"tensor '{name}' not found ({_byName.Count} tensors in file)");

    /// <summary>Address of a tensor's first byte in the mapping; valid until <see cref="Dispose"/>.</summary>
    public nint GetPointer(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return (nint)(_start + DataOffset + GetInfo(name).Offset);
    }

    /// <summary>The bytes of a tensor under 2 GiB; for larger ones use <see cref="GetPointer"/>.</summary>
    public ReadOnlySpan<byte> GetBytes(string name)
    {
        GgufTensorInfo info = GetInfo(name);
        if (info.ByteLength > int.MaxValue)
        {
            throw new CheckpointException(Path, name, $"tensor '{name}' is {info.ByteLength} bytes, over the span limit; use GetPointer");
        }
        return new ReadOnlySpan<byte>((void*)GetPointer(name), (int)info.ByteLength);
    }

    /// <summary>
    /// Hint that the process will not read <paramref name="name"/> again (its bytes were copied, e.g. into
    /// a fused tensor): the whole pages inside it leave the resident set (madvise MADV_DONTNEED on Linux
    /// and macOS; nothing elsewhere). Reading it later stays valid: the pages fault back in from the file.
    /// </summary>
    public void ReleasePages(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }
        long page = Environment.SystemPageSize;
        long start = (long)GetPointer(name), end = start + GetInfo(name).ByteLength;
        long first = (start + page - 1) / page * page, last = end / page * page;
        if (last > first)
        {
            _ = Madvise((nint)first, (nuint)(last - first), 4); // MADV_DONTNEED; failure only means the pages stay
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "madvise")]
    private static extern int Madvise(nint address, nuint length, int advice);

    /// <summary>Unmaps the file; pointers and spans obtained earlier become invalid.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }

    private static FileStream OpenStream(string full) => CheckpointFiles.OpenRead(full, "GGUF");
}
