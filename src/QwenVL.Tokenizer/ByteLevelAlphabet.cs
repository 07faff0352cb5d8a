// GPT-2 byte-level alphabet: each of the 256 byte values is shown as one printable BMP character, so that
// BPE tokens are plain strings (space 0x20 -> 'Ġ' U+0120, newline 0x0A -> 'Ċ' U+010A).
// It deliberately knows nothing about vocabularies; Qwen2Tokenizer maps these characters to ids.
namespace QwenVL.Tokenizer;

internal static class ByteLevelAlphabet
{
    /// <summary>Byte value -> its alphabet character.</summary>
    public static readonly char[] ByteToChar = BuildByteToChar();

    /// <summary>Alphabet character -> byte value, or -1; indexed by char below <see cref="CharLimit"/>.</summary>
    private static readonly short[] CharToByteTable = BuildCharToByte();

    /// <summary>The alphabet uses U+0021..U+0143 only (256 + 68 remapped bytes = 0x144).</summary>
    public const int CharLimit = 0x144;

    /// <summary>The byte a character stands for, or -1 when the character is not in the alphabet.</summary>
    public static int CharToByte(char c) => c < CharLimit ? CharToByteTable[c] : -1;

    private static bool IsPrintable(int b) =>
        (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);

    private static char[] BuildByteToChar()
    {
        // Printable Latin-1 bytes (188 of them) stand for themselves; the other 68 (controls, space,
        // DEL, 0x80-0xA0 and the soft hyphen 0xAD) take U+0100, U+0101, ... in increasing byte order.
        var map = new char[256];
        int next = 0x100;
        for (int b = 0; b < 256; b++)
        {
            map[b] = IsPrintable(b) ? (char)b : (char)next++;
        }
        return map;
    }

    private static short[] BuildCharToByte()
    {
        var table = new short[CharLimit];
        Array.Fill(table, (short)-1);
        for (int b = 0; b < 256; b++)
        {
            table[ByteToChar[b]] = (short)b;
        }
        return table;
    }
}
