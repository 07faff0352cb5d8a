// Locates the first byte of an invalid UTF-8 sequence so errors can say where a file is corrupt.
// It deliberately does not decode or repair text.
using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace QwenVL.Checkpoints;

internal static class Utf8Check
{
    /// <summary>Offset of the first invalid UTF-8 byte, or -1 when the whole span is valid.</summary>
    public static int FirstInvalidByte(ReadOnlySpan<byte> bytes)
    {
        if (Utf8.IsValid(bytes))
        {
            return -1;
        }
        int offset = 0;
        while (offset < bytes.Length)
        {
            if (Rune.DecodeFromUtf8(bytes[offset..], out _, out int consumed) != OperationStatus.Done)
            {
                return offset;
            }
            offset += consumed;
        }
        return -1;
    }
}
