// One safetensors file, memory-mapped read-only, with its validated header.
// It deliberately copies no tensor data: callers get a pointer or span into the mapping, valid only
// until Dispose. It does not interpret dtypes (no BF16 -> F32 conversion here).
using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;

namespace QwenVL.Checkpoints;

/// <summary>A memory-mapped, bounds-checked safetensors file.</summary>
public sealed unsafe class SafeTensorsFile : IDisposable
{
    private readonly MemoryMappedFile map;
    private readonly MemoryMappedViewAccessor view;
    private readonly byte* dataStart;
    private bool disposed;

    private SafeTensorsFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* fileStart,
        long headerLength, Dictionary<string, SafeTensorInfo> tensors, Dictionary<string, string> metadata)
    {
        Path = path;
        this.map = map;
        this.view = view;
        dataStart = fileStart + 8 + headerLength;
        HeaderLength = headerLength;
        Tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>Full path of the file.</summary>
    public string Path { get; }

    /// <summary>Length in bytes of the JSON header (including its padding).</summary>
    public long HeaderLength { get; }

    /// <summary>Every tensor of the header by name (the "__metadata__" entry excluded).</summary>
    public IReadOnlyDictionary<string, SafeTensorInfo> Tensors { get; }

    /// <summary>The "__metadata__" string map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Maps the file and validates its header; any problem is a <see cref="CheckpointException"/>.</summary>
    public static SafeTensorsFile Open(string path)
    {
        string full = CheckpointFiles.FullPath(path);

        FileStream stream = OpenStream(full);
        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        bool acquired = false;
        try
        {
            long fileLength = stream.Length;
            if (fileLength < 8)
            {
                throw new CheckpointException(full, null,
                    $"file is {fileLength} bytes; a safetensors file starts with an 8-byte header length");
            }
            map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read,
                HandleInheritability.None, leaveOpen: false);
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* start = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
            acquired = true;
            start += view.PointerOffset;

            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(start, 8));
            if (headerLength > SafeTensorsHeader.MaxHeaderBytes)
            {
                throw new CheckpointException(full, null,
                    $"header length {headerLength} exceeds the {SafeTensorsHeader.MaxHeaderBytes}-byte limit (file is {fileLength} bytes)");
            }
            if ((long)headerLength > fileLength - 8)
            {
                throw new CheckpointException(full, null,
                    $"header length {headerLength} is larger than the {fileLength - 8} bytes after the length field");
            }
            long n = (long)headerLength;
            byte[] json = new ReadOnlySpan<byte>(start + 8, (int)n).ToArray();
            var (tensors, metadata) = SafeTensorsHeader.Parse(json, full, fileLength - 8 - n);
            return new SafeTensorsFile(full, map, view, start, n, tensors, metadata);
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

    /// <summary>Whether the header has a tensor of this name.</summary>
    public bool Contains(string name) => Tensors.ContainsKey(name);

    /// <summary>Header entry of a tensor; throws <see cref="CheckpointException"/> when absent.</summary>
    public SafeTensorInfo GetInfo(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!Tensors.TryGetValue(name, out SafeTensorInfo? info))
        {
            throw new CheckpointException(Path, name, $"tensor '{name}' not found ({Tensors.Count} tensors in file)");
        }
        return info;
    }

    /// <summary>Address of the first byte of a tensor in the mapping; valid until <see cref="Dispose"/>.</summary>
    public nint GetPointer(string name)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        return (nint)(dataStart + GetInfo(name).DataBegin);
    }

    /// <summary>The bytes of a tensor under 2 GiB; for larger ones use <see cref="GetPointer"/>.</summary>
    public ReadOnlySpan<byte> GetBytes(string name)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        SafeTensorInfo info = GetInfo(name);
        if (info.ByteLength > int.MaxValue)
        {
            throw new CheckpointException(Path, name,
                $"tensor '{name}' is {info.ByteLength} bytes, over the {int.MaxValue}-byte span limit; use GetPointer");
        }
        return new ReadOnlySpan<byte>(dataStart + info.DataBegin, (int)info.ByteLength);
    }

    /// <summary>Unmaps the file; pointers and spans obtained earlier become invalid.</summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }
        disposed = true;
        view.SafeMemoryMappedViewHandle.ReleasePointer();
        view.Dispose();
        map.Dispose();
    }

    private static FileStream OpenStream(string full) => CheckpointFiles.OpenRead(full, "safetensors");
}
