// Finds the two GGUF files of a Qwen-VL download the way users keep them for llama.cpp: a text model
// "Qwen2.5-VL-3B-Instruct-Q8_0.gguf" and a projector "mmproj-Qwen2.5-VL-3B-Instruct-f16.gguf"
// (file name contains "mmproj"), given either the folder or the text file. A folder that has a
// config.json is a Hugging Face checkpoint and is left alone. Split (-00001-of-0000N) files are refused.
namespace QwenVL.Models.Gguf;

/// <summary>The text-model GGUF and the vision-projector GGUF of one model.</summary>
/// <param name="Text">The language model (general.architecture "qwen2vl").</param>
/// <param name="Mmproj">The vision tower and projector (general.architecture "clip").</param>
public sealed record GgufModelFiles(string Text, string Mmproj)
{
    /// <summary>
    /// The GGUF pair <paramref name="path"/> names, or null when it is not a GGUF model (a Hugging Face
    /// folder, or a folder without .gguf files). Throws <see cref="ModelException"/> when it is GGUF but
    /// the pair is incomplete or ambiguous.
    /// </summary>
    public static GgufModelFiles? TryLocate(string path)
    {
        if (File.Exists(path))
        {
            return IsGgufName(path) || Checkpoints.Gguf.GgufFile.HasMagic(path) ? FromTextFile(Path.GetFullPath(path)) : null;
        }
        if (!Directory.Exists(path) || File.Exists(Path.Combine(path, "config.json")))
        {
            return null;
        }
        string[] all = Ggufs(path);
        if (all.Length == 0)
        {
            return null;
        }
        string[] text = [.. all.Where(f => !IsMmproj(f))];
        if (text.Length != 1)
        {
            throw new ModelException(text.Length == 0
                ? $"{path} holds only vision projector GGUF files ({List(all)}); the language-model GGUF is missing"
                : $"{path} holds {text.Length} language-model GGUF files ({List(text)}); keep one, or pass the file to use", path);
        }
        return FromTextFile(text[0]);
    }

    private static GgufModelFiles FromTextFile(string text)
    {
        if (IsMmproj(text))
        {
            throw new ModelException($"{text} is a vision projector (mmproj) GGUF; pass the language-model GGUF beside it, or the folder", text);
        }
        if (System.Text.RegularExpressions.Regex.IsMatch(Path.GetFileName(text), @"-\d{5}-of-\d{5}\.gguf$", System.Text.RegularExpressions.RegexOptions.IgnoreCase))
        {
            throw new ModelException($"{text} is one part of a split GGUF; merge the parts first (llama-gguf-split --merge)", text);
        }
        string folder = Path.GetDirectoryName(text)!;
        string[] projectors = [.. Ggufs(folder).Where(IsMmproj)];
        return projectors.Length switch
        {
            1 => new GgufModelFiles(text, projectors[0]),
            0 => throw new ModelException($"no vision projector beside {text}: Qwen-VL needs the mmproj GGUF " +
                "(a .gguf whose name contains 'mmproj', e.g. mmproj-Qwen2.5-VL-3B-Instruct-f16.gguf) in the same folder", text),
            _ => throw new ModelException($"{folder} holds {projectors.Length} mmproj GGUF files ({List(projectors)}); keep one beside {Path.GetFileName(text)}", folder),
        };
    }

    private static string[] Ggufs(string folder) =>
        [.. Directory.EnumerateFiles(folder).Where(IsGgufName).Select(Path.GetFullPath).Order(StringComparer.Ordinal)];

    private static bool IsGgufName(string file) => file.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase);

    private static bool IsMmproj(string file) => Path.GetFileName(file).Contains("mmproj", StringComparison.OrdinalIgnoreCase);

    private static string List(IEnumerable<string> files) => string.Join(", ", files.Select(Path.GetFileName));
}
