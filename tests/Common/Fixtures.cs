// Locates the shared parity fixtures (../shared/fixtures beside the checkout) for every test project.
// It deliberately does not copy or cache anything: tests read the fixtures in place.
namespace QwenVL.Testing;

/// <summary>Paths into the shared fixture tree; override with QWENVL_FIXTURES.</summary>
public static class Fixtures
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    /// <summary>Absolute path of the fixtures directory.</summary>
    public static string Root => LazyRoot.Value;

    /// <summary>Absolute path of a file or folder inside the fixtures directory.</summary>
    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    /// <summary>Folder of one tiny checkpoint, e.g. "qwen2.5-vl-tiny".</summary>
    public static string Model(string name) => Path("models", name);

    /// <summary>Reads a raw little-endian float32 dump.</summary>
    public static float[] ReadF32(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        var result = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, result, 0, result.Length * 4);
        return result;
    }

    private static string FindRoot()
    {
        string? env = Environment.GetEnvironmentVariable("QWENVL_FIXTURES");
        if (!string.IsNullOrEmpty(env))
        {
            return System.IO.Path.GetFullPath(env);
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            string candidate = System.IO.Path.Combine(dir.FullName, "shared", "fixtures");
            if (Directory.Exists(candidate) && dir.GetFiles("*.slnx").Length == 0)
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException(
            "shared/fixtures not found above " + AppContext.BaseDirectory + "; set QWENVL_FIXTURES.");
    }
}
