// Finds a typeface that can draw every label: an explicit --font file first, then the installed
// families (SkiaSharp's bundled Linux build scans /usr/share/fonts itself and has no fontconfig, so
// SKFontManager.MatchCharacter often returns null there), then well-known CJK font files, then
// `fc-match :charset=...` (2 s timeout). When nothing covers a label, it returns a warning naming the fix.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using SkiaSharp;

namespace QwenVL.Grounding.Rendering;

/// <summary>A chosen typeface and, when it cannot draw some labels, a one-line warning.</summary>
public sealed record ResolvedFont(SKTypeface Typeface, string? Warning);

/// <summary>Typeface lookup for labels.</summary>
public static class FontResolver
{
    /// <summary>Debian/Ubuntu/Fedora/Alpine paths of the usual CJK fonts (fonts-wqy-microhei, fonts-noto-cjk, ...).</summary>
    public static IReadOnlyList<string> KnownCjkFiles { get; } =
    [
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
        "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
        "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",
    ];

    /// <summary>The fix printed when no font covers the labels.</summary>
    public const string InstallHint = "install a CJK font (Debian/Ubuntu: apt-get install fonts-wqy-microhei or fonts-noto-cjk) or pass --font FILE";

    /// <summary>
    /// A typeface for <paramref name="labels"/>. <paramref name="fontFile"/>, when given, must load (IOException otherwise)
    /// and is used even if it lacks glyphs (with a warning).
    /// </summary>
    public static ResolvedFont Resolve(string? fontFile, IEnumerable<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        string text = string.Concat(labels);
        if (fontFile is not null)
        {
            if (!File.Exists(fontFile))
            {
                throw new FileNotFoundException($"--font {fontFile}: file not found", fontFile);
            }
            SKTypeface typeface = SKTypeface.FromFile(fontFile)
                ?? throw new IOException($"--font {fontFile}: not a font file SkiaSharp can read (TTF, OTF or TTC)");
            return new ResolvedFont(typeface, Covers(typeface, text) ? null : Missing(text, typeface, $"--font {fontFile} has no glyph for"));
        }
        SKFontManager manager = SKFontManager.Default;
        SKTypeface preferred = manager.MatchFamily("DejaVu Sans") ?? SKTypeface.Default;
        if (Covers(preferred, text))
        {
            return new ResolvedFont(preferred, null);
        }
        int first = FirstMissing(preferred, text);
        foreach (Func<SKTypeface?> candidate in Candidates(manager, first))
        {
            SKTypeface? t = candidate();
            if (t is not null && Covers(t, text))
            {
                return new ResolvedFont(t, null);
            }
        }
        return new ResolvedFont(preferred, Missing(text, preferred, "no installed font has a glyph for"));
    }

    private static IEnumerable<Func<SKTypeface?>> Candidates(SKFontManager manager, int codepoint)
    {
        yield return () => manager.MatchCharacter(codepoint);
        foreach (string family in manager.FontFamilies)
        {
            yield return () => manager.MatchFamily(family);
        }
        foreach (string path in KnownCjkFiles)
        {
            yield return () => File.Exists(path) ? SKTypeface.FromFile(path) : null;
        }
        yield return () => FcMatch(codepoint) is string file ? SKTypeface.FromFile(file) : null;
    }

    private static string? FcMatch(int codepoint)
    {
        try
        {
            var psi = new ProcessStartInfo("fc-match")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            psi.ArgumentList.Add("--format=%{file}");
            psi.ArgumentList.Add(":charset=" + codepoint.ToString("x", CultureInfo.InvariantCulture));
            using Process? p = Process.Start(psi);
            if (p is null)
            {
                return null;
            }
            Task<string> output = p.StandardOutput.ReadToEndAsync();
            if (!p.WaitForExit(2000))
            {
                p.Kill();
                return null;
            }
            string file = output.Result.Trim();
            return file.Length > 0 && File.Exists(file) ? file : null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return null; // no fontconfig tools: not an error, just one fewer place to look
        }
    }

    /// <summary>True when <paramref name="typeface"/> has a glyph for every non-space character of <paramref name="text"/>.</summary>
    public static bool Covers(SKTypeface typeface, string text) => FirstMissing(typeface, text) < 0;

    private static int FirstMissing(SKTypeface typeface, string text)
    {
        foreach (Rune r in text.EnumerateRunes())
        {
            if (!Rune.IsWhiteSpace(r) && !Rune.IsControl(r) && typeface.GetGlyph(r.Value) == 0)
            {
                return r.Value;
            }
        }
        return -1;
    }

    private static string Missing(string text, SKTypeface typeface, string who)
    {
        int cp = FirstMissing(typeface, text);
        string ch = cp >= 0 ? char.ConvertFromUtf32(cp) : "?";
        return $"{who} '{ch}' (U+{cp:X4}) in the labels; boxes are drawn but such labels show as empty squares; {InstallHint}";
    }
}
