// Parsed form of the embedded nfc_data.txt: combining classes, full canonical decompositions (Hangul
// syllables excluded) and primary composition pairs, plus a quick-check set derived from them.
// It deliberately holds canonical data only (no compatibility mappings: the Qwen normalizer is NFC).
using System.Globalization;
using System.Reflection;

namespace QwenVL.Tokenizer.Unicode;

internal sealed class NfcTables
{
    private const string ResourceName = "QwenVL.Tokenizer.nfc_data.txt";

    private readonly Dictionary<int, byte> _combiningClasses = new();
    private readonly HashSet<int> _unstable = new();
    private readonly ulong[] _unstableBmp = new ulong[0x10000 / 64];

    public Dictionary<int, int[]> Decompositions { get; } = new();

    /// <summary>Composite by (first &lt;&lt; 21 | second).</summary>
    public Dictionary<long, int> Compositions { get; } = new();

    public int CombiningClass(int cp) => cp < 0x300 ? 0 : _combiningClasses.GetValueOrDefault(cp);

    /// <summary>Whether NFC may change text containing <paramref name="cp"/> (NFC_Quick_Check No or Maybe,
    /// or a non-zero combining class that may need reordering).</summary>
    public bool IsUnstable(int cp) =>
        cp < 0x10000 ? (_unstableBmp[cp >> 6] & (1UL << (cp & 63))) != 0 : _unstable.Contains(cp);

    public static NfcTables Load()
    {
        using Stream stream = typeof(NfcTables).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} missing from {typeof(NfcTables).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        var tables = new NfcTables();
        var composites = new HashSet<int>();
        int lineNo = 0;
        for (string? line = reader.ReadLine(); line != null; line = reader.ReadLine())
        {
            lineNo++;
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            string[] f = line.Split(' ');
            switch (f[0])
            {
                case "C" when f.Length == 3:
                    string[] range = f[1].Split('-');
                    int first = Hex(range[0], lineNo), last = Hex(range[^1], lineNo);
                    byte ccc = byte.Parse(f[2], CultureInfo.InvariantCulture);
                    for (int cp = first; cp <= last; cp++)
                    {
                        tables._combiningClasses[cp] = ccc;
                        tables.MarkUnstable(cp);
                    }
                    break;
                case "D" when f.Length >= 3:
                    tables.Decompositions[Hex(f[1], lineNo)] = f[2..].Select(h => Hex(h, lineNo)).ToArray();
                    break;
                case "P" when f.Length == 4:
                    int a = Hex(f[1], lineNo), b = Hex(f[2], lineNo), x = Hex(f[3], lineNo);
                    tables.Compositions[((long)a << 21) | (uint)b] = x;
                    composites.Add(x);
                    tables.MarkUnstable(b); // may combine with the char before it (Quick_Check Maybe)
                    break;
                default:
                    throw new InvalidDataException($"{ResourceName} line {lineNo}: unexpected entry '{line}'");
            }
        }
        foreach (int cp in tables.Decompositions.Keys)
        {
            if (!composites.Contains(cp))
            {
                tables.MarkUnstable(cp); // decomposes and does not come back (Quick_Check No)
            }
        }
        for (int cp = 0x1161; cp <= 0x1175; cp++)
        {
            tables.MarkUnstable(cp); // Hangul vowels join a leading consonant
        }
        for (int cp = 0x11A8; cp <= 0x11C2; cp++)
        {
            tables.MarkUnstable(cp); // Hangul trailing consonants join an LV syllable
        }
        return tables;
    }

    private void MarkUnstable(int cp)
    {
        if (cp < 0x10000)
        {
            _unstableBmp[cp >> 6] |= 1UL << (cp & 63);
        }
        else
        {
            _unstable.Add(cp);
        }
    }

    private static int Hex(string s, int lineNo) =>
        int.TryParse(s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int v)
            ? v
            : throw new InvalidDataException($"{ResourceName} line {lineNo}: bad hex '{s}'");
}
