// A stable colour per label: the same label gets the same colour in every run, process and machine
// (FNV-1a over UTF-16 code units, not string.GetHashCode, which .NET randomizes per process).
// It deliberately does not guarantee distinct colours beyond the 12 in the palette.
using SkiaSharp;

namespace QwenVL.Grounding.Rendering;

/// <summary>Label to colour.</summary>
public static class LabelPalette
{
    // 12 saturated hues that stay readable on photos and on white paper.
    private static readonly SKColor[] Colors =
    [
        new(230, 25, 75), new(60, 180, 75), new(0, 130, 200), new(245, 130, 48),
        new(145, 30, 180), new(70, 190, 190), new(240, 50, 230), new(150, 110, 40),
        new(0, 128, 128), new(128, 0, 0), new(85, 85, 200), new(200, 160, 0),
    ];

    /// <summary>The colour of <paramref name="label"/>.</summary>
    public static SKColor For(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        uint hash = 2166136261;
        foreach (char c in label)
        {
            hash = (hash ^ c) * 16777619;
        }
        return Colors[hash % (uint)Colors.Length];
    }

    /// <summary>Black or white, whichever contrasts more with <paramref name="background"/> (Rec. 709 luma).</summary>
    public static SKColor TextOn(SKColor background) =>
        0.2126 * background.Red + 0.7152 * background.Green + 0.0722 * background.Blue > 150 ? SKColors.Black : SKColors.White;
}
