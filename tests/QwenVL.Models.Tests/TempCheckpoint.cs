// A writable copy of a fixture checkpoint in a temp folder, for tests that break one file.
using QwenVL.Testing;

namespace QwenVL.Models.Tests;

/// <summary>Copies a fixture model folder; deleted on dispose.</summary>
public sealed class TempCheckpoint : IDisposable
{
    public TempCheckpoint(string fixtureModel = "qwen2.5-vl-tiny")
    {
        Dir = Directory.CreateTempSubdirectory("qwenvl-ckpt-").FullName;
        foreach (string f in Directory.GetFiles(Fixtures.Model(fixtureModel)))
        {
            string target = Path.Combine(Dir, Path.GetFileName(f));
            System.IO.File.Copy(f, target);
            System.IO.File.SetAttributes(target, FileAttributes.Normal);
        }
    }

    public string Dir { get; }

    public string File(string name) => Path.Combine(Dir, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
            // A mapped file may still be open on some platforms; the OS temp cleaner gets it.
        }
    }
}
