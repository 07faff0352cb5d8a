// Reads a tab-separated file as pandas writes it (QUOTE_MINIMAL: a field holding a tab, quote or
// newline is wrapped in double quotes with "" for a quote). Yields each record with the line it
// starts on. It does not interpret cells; VlmEvalKitTsv does.
using System.Text;

namespace QwenVL.Eval.Data;

/// <summary>Streaming TSV record reader.</summary>
public static class TsvReader
{
    /// <summary>Yields (line number of the record's first line, fields). The header is the first record.</summary>
    public static IEnumerable<(int Line, string[] Fields)> Read(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        var fields = new List<string>();
        var field = new StringBuilder();
        int line = 1, recordLine = 1;
        bool inQuotes = false, fieldStarted = false, any = false;
        int ch;
        while ((ch = reader.Read()) >= 0)
        {
            char c = (char)ch;
            any = true;
            if (inQuotes)
            {
                if (c == '"')
                {
                    if (reader.Peek() == '"') { reader.Read(); field.Append('"'); }
                    else inQuotes = false;
                }
                else
                {
                    if (c == '\n') line++;
                    field.Append(c);
                }
                continue;
            }
            switch (c)
            {
                case '"' when !fieldStarted && field.Length == 0:
                    inQuotes = true; fieldStarted = true; break;
                case '\t':
                    fields.Add(field.ToString()); field.Clear(); fieldStarted = false; break;
                case '\r':
                    break;   // CRLF files: the \n ends the record
                case '\n':
                    fields.Add(field.ToString()); field.Clear(); fieldStarted = false;
                    yield return (recordLine, fields.ToArray());
                    fields.Clear();
                    line++; recordLine = line; any = false;
                    break;
                default:
                    field.Append(c); fieldStarted = true; break;
            }
        }
        if (any)
        {
            fields.Add(field.ToString());
            yield return (recordLine, fields.ToArray());
        }
    }
}
