// A checkpoint folder (single file, sharded with index, or loose *.safetensors) as one name -> tensor map.
// It deliberately does not convert or copy data; pointers stay valid until Dispose. Shape checks
// (GetRequired) live here so every loader reports a wrong checkpoint the same way.
namespace QwenVL.Checkpoints;

/// <summary>All tensors of a checkpoint folder, memory-mapped.</summary>
public sealed class TensorStore : IDisposable
{
    private readonly List<SafeTensorsFile> files;
    private readonly Dictionary<string, (SafeTensorInfo Info, SafeTensorsFile File)> tensors;
    private bool disposed;

    private TensorStore(string folder, List<SafeTensorsFile> files,
        Dictionary<string, (SafeTensorInfo, SafeTensorsFile)> tensors)
    {
        Folder = folder;
        this.files = files;
        this.tensors = tensors;
        TotalBytes = tensors.Values.Sum(t => t.Item1.ByteLength);
    }

    /// <summary>Full path of the checkpoint folder.</summary>
    public string Folder { get; }

    /// <summary>Tensor names, in ordinal order.</summary>
    public IEnumerable<string> Names => tensors.Keys.Order(StringComparer.Ordinal);

    /// <summary>Number of tensors.</summary>
    public int Count => tensors.Count;

    /// <summary>Sum of the byte lengths of all tensors.</summary>
    public long TotalBytes { get; }

    /// <summary>The safetensors files backing this store, in the order they were opened.</summary>
    public IReadOnlyList<SafeTensorsFile> Files => files;

    /// <summary>Opens <paramref name="folder"/>; any problem is a <see cref="CheckpointException"/>.</summary>
    public static TensorStore Open(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        string full;
        try
        {
            full = Path.GetFullPath(folder);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new CheckpointException(folder, null, $"invalid checkpoint folder path: {ex.Message}", ex);
        }
        if (!Directory.Exists(full))
        {
            throw new CheckpointException(full, null, $"checkpoint folder {full} does not exist");
        }
        var (opened, map) = CheckpointFolder.Load(full);
        return new TensorStore(full, opened, map);
    }

    /// <summary>Whether the checkpoint has a tensor of this name.</summary>
    public bool Contains(string name) => tensors.ContainsKey(name);

    /// <summary>Header entry of a tensor, or false when absent.</summary>
    public bool TryGetInfo(string name, out SafeTensorInfo info)
    {
        if (tensors.TryGetValue(name, out var entry))
        {
            info = entry.Info;
            return true;
        }
        info = null!;
        return false;
    }

    /// <summary>Header entry of a tensor; throws naming the folder and up to 3 similar names when absent.</summary>
    public SafeTensorInfo GetInfo(string name) => Entry(name).Info;

    /// <summary>
    /// Header entry of a tensor that must have exactly <paramref name="expectedShape"/>; a dim of -1
    /// matches any size (e.g. a vocabulary padded to a multiple of 64).
    /// </summary>
    public SafeTensorInfo GetRequired(string name, params long[] expectedShape)
    {
        ArgumentNullException.ThrowIfNull(expectedShape);
        SafeTensorInfo info = GetInfo(name);
        bool ok = info.Shape.Length == expectedShape.Length;
        for (int i = 0; ok && i < expectedShape.Length; i++)
        {
            ok = expectedShape[i] == -1 || expectedShape[i] == info.Shape[i];
        }
        if (!ok)
        {
            throw new CheckpointException(info.File, name,
                $"tensor '{name}' has shape {ShapeMath.Format(info.Shape)}, expected {ShapeMath.Format(expectedShape)}");
        }
        return info;
    }

    /// <summary>Address of a tensor's first byte; valid until <see cref="Dispose"/>.</summary>
    public nint GetPointer(string name)
    {
        var (info, file) = Entry(name);
        return file.GetPointer(info.Name);
    }

    /// <summary>The bytes of a tensor under 2 GiB; valid until <see cref="Dispose"/>.</summary>
    public ReadOnlySpan<byte> GetBytes(string name)
    {
        var (info, file) = Entry(name);
        return file.GetBytes(info.Name);
    }

    /// <summary>Unmaps every file.</summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }
        disposed = true;
        foreach (SafeTensorsFile file in files)
        {
            file.Dispose();
        }
    }

    private (SafeTensorInfo Info, SafeTensorsFile File) Entry(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        ObjectDisposedException.ThrowIf(disposed, this);
        if (tensors.TryGetValue(name, out var entry))
        {
            return entry;
        }
        IReadOnlyList<string> similar = NameSuggestions.Similar(name, tensors.Keys);
        string hint = similar.Count == 0 ? "none" : string.Join(", ", similar);
        throw new CheckpointException(Folder, name,
            $"tensor '{name}' not found in {Folder} ({tensors.Count} tensors; similar: {hint})");
    }
}
