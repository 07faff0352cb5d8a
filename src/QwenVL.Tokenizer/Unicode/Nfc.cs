// Unicode NFC (canonical decomposition, canonical ordering, canonical composition) from embedded tables
// (nfc_data.txt, Unicode 14 via generate_nfc_data.py). Needed because InvariantGlobalization=true makes
// string.Normalize a no-op. It deliberately does no NFD/NFKC/NFKD and keeps no offsets (HF drops them too).
using System.Text;

namespace QwenVL.Tokenizer.Unicode;

internal static class Nfc
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    private static readonly NfcTables Tables = NfcTables.Load();

    /// <summary>True when NFC cannot change the text: no character in it decomposes without recomposing,
    /// has a non-zero combining class, or can combine with the character before it.</summary>
    public static bool IsQuickNormalized(ReadOnlySpan<char> text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c < 0x300)
            {
                continue; // Latin-1 and Latin Extended-A/B are all stable starters
            }
            int cp = c;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                cp = char.ConvertToUtf32(c, text[++i]);
            }
            if (Tables.IsUnstable(cp))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>NFC of <paramref name="text"/>; lone surrogates become U+FFFD (they have no UTF-8 form).</summary>
    public static string Normalize(ReadOnlySpan<char> text)
    {
        if (IsQuickNormalized(text))
        {
            return text.ToString();
        }
        var buffer = new List<int>(text.Length + 8);
        foreach (Rune rune in text.EnumerateRunes())
        {
            Decompose(rune.Value, buffer);
        }
        SortCombiningMarks(buffer);
        Compose(buffer);
        var sb = new StringBuilder(buffer.Count + 8);
        foreach (int cp in buffer)
        {
            sb.Append(new Rune(cp).ToString());
        }
        return sb.ToString();
    }

    private static void Decompose(int cp, List<int> output)
    {
        int s = cp - SBase;
        if ((uint)s < SCount)
        {
            output.Add(LBase + s / NCount);
            output.Add(VBase + s % NCount / TCount);
            if (s % TCount != 0)
            {
                output.Add(TBase + s % TCount);
            }
            return;
        }
        if (Tables.Decompositions.TryGetValue(cp, out int[]? full))
        {
            output.AddRange(full);
            return;
        }
        output.Add(cp);
    }

    /// <summary>Canonical ordering: a stable sort by combining class inside each run of non-starters.</summary>
    private static void SortCombiningMarks(List<int> cps)
    {
        for (int i = 1; i < cps.Count; i++)
        {
            int ccc = Tables.CombiningClass(cps[i]);
            if (ccc == 0)
            {
                continue;
            }
            int j = i;
            int cp = cps[i];
            while (j > 0 && Tables.CombiningClass(cps[j - 1]) > ccc)
            {
                cps[j] = cps[j - 1];
                j--;
            }
            cps[j] = cp;
        }
    }

    /// <summary>Canonical composition: each char joins the last starter unless blocked by a char in between
    /// whose class is 0 or not lower than its own.</summary>
    private static void Compose(List<int> cps)
    {
        int starter = -1, lastClass = 0, write = 0;
        for (int read = 0; read < cps.Count; read++)
        {
            int cp = cps[read];
            int ccc = Tables.CombiningClass(cp);
            bool adjacent = starter >= 0 && write - 1 == starter;
            if (starter >= 0 && (adjacent || (lastClass != 0 && lastClass < ccc))
                && TryCompose(cps[starter], cp, out int composite))
            {
                cps[starter] = composite;
                continue;
            }
            if (ccc == 0)
            {
                starter = write;
            }
            lastClass = ccc;
            cps[write++] = cp;
        }
        cps.RemoveRange(write, cps.Count - write);
    }

    private static bool TryCompose(int first, int second, out int composite)
    {
        int l = first - LBase, v = second - VBase;
        if ((uint)l < LCount && (uint)v < VCount)
        {
            composite = SBase + (l * VCount + v) * TCount;
            return true;
        }
        int s = first - SBase, t = second - TBase;
        if ((uint)s < SCount && s % TCount == 0 && t > 0 && t < TCount)
        {
            composite = first + t;
            return true;
        }
        return Tables.Compositions.TryGetValue(((long)first << 21) | (uint)second, out composite);
    }
}
