// Per-test temporary folder plus a helper that crafts safetensors files byte by byte, so malformed
// headers can be produced that no writer would emit. It deliberately uses no production writer code.
using System.Buffers.Binary;
using System.Text;

namespace QwenVL.Checkpoints.Tests;

internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Folder = Directory.CreateTempSubdirectory("qwenvl-ckpt-").FullName;
    }

    public string Folder { get; }

    public string PathOf(string name) => Path.Combine(Folder, name);

    /// <summary>8-byte little-endian length of <paramref name="header"/>, the header, then <paramref name="dataBytes"/> bytes 0,1,2,...</summary>
    public string Craft(string name, string header, int dataBytes, ulong? headerLengthOverride = null)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, headerLengthOverride ?? (ulong)json.Length);
        json.CopyTo(bytes, 8);
        for (int i = 0; i < dataBytes; i++)
        {
            bytes[8 + json.Length + i] = (byte)i;
        }
        return WriteBytes(name, bytes);
    }

    public string WriteBytes(string name, byte[] bytes)
    {
        string path = PathOf(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public string WriteText(string name, string text)
    {
        string path = PathOf(name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A still-mapped file on some platforms; the OS temp cleaner gets it.
        }
    }
}
