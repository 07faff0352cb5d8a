// The results JSONL a run appends to: one line per finished item (the scorer's PredictionRecord
// fields plus benchmark, prompt_id, mode, row, raw_response and error), flushed as it is written so
// a killed run loses at most the line in flight. On resume a torn last line is cut off first.
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using QwenVL.Eval.Scoring;

namespace QwenVL.Eval.Running;

/// <summary>What a results file already holds.</summary>
/// <param name="Done">Ids with a successful line (not redone on resume).</param>
/// <param name="BadLines">Unparsable lines other than a torn last line.</param>
/// <param name="TornLineDropped">True when an unfinished last line was cut off.</param>
public sealed record ExistingResults(IReadOnlySet<string> Done, int BadLines, bool TornLineDropped);

/// <summary>Append-only writer and resume reader for results JSONL.</summary>
public sealed class ResultsFile : IDisposable
{
    readonly FileStream _stream;
    readonly Lock _gate = new();

    ResultsFile(FileStream stream) => _stream = stream;

    /// <summary>Path of the file.</summary>
    public string Path => _stream.Name;

    /// <summary>Opens for appending (creating it), after <see cref="Repair"/> when resuming.</summary>
    public static ResultsFile OpenAppend(string path)
    {
        string? dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        return new ResultsFile(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read));
    }

    /// <summary>
    /// Reads what an earlier run left: ids done without error, for <paramref name="benchmark"/> only
    /// (a line for another benchmark is an error: the file belongs to another run). Cuts a torn last line.
    /// </summary>
    public static ExistingResults Repair(string path, string benchmark)
    {
        if (!File.Exists(path)) return new ExistingResults(new HashSet<string>(), 0, false);
        bool torn = CutTornTail(path);
        var done = new HashSet<string>(StringComparer.Ordinal);
        int bad = 0, lineNo = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonNode? node;
            try { node = JsonNode.Parse(line); }
            catch (JsonException) { bad++; continue; }
            if (node is not JsonObject o || o["id"] is not JsonValue idv) { bad++; continue; }
            string? b = o["benchmark"]?.GetValue<string>();
            if (b is not null && b != benchmark)
                throw new IOException($"{path}:{lineNo}: results of benchmark '{b}', not '{benchmark}'; use another --out");
            string id = idv.GetValueKind() == JsonValueKind.String ? idv.GetValue<string>() : idv.ToJsonString();
            if (o["error"] is null) done.Add(id);
            else done.Remove(id);   // a later failure means the item must run again
        }
        return new ExistingResults(done, bad, torn);
    }

    // A line without its '\n' was being written when the process died: drop it so appends start clean.
    static bool CutTornTail(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        if (fs.Length == 0) return false;
        fs.Seek(-1, SeekOrigin.End);
        if (fs.ReadByte() == '\n') return false;
        long pos = fs.Length - 1;
        var one = new byte[1];
        while (pos > 0)
        {
            fs.Seek(pos - 1, SeekOrigin.Begin);
            fs.ReadExactly(one);
            if (one[0] == '\n') break;
            pos--;
        }
        fs.SetLength(pos);
        return true;
    }

    /// <summary>Builds one results line: the record's fields plus run metadata.</summary>
    public static string Line(PredictionRecord record, string benchmark, string promptId, string mode, int row, string? error)
    {
        var node = JsonNode.Parse(PredictionJsonl.ToJsonLine(record))!.AsObject();
        node["benchmark"] = benchmark;
        node["prompt_id"] = promptId;
        node["mode"] = mode;
        node["row"] = row;
        node["raw_response"] = record.Prediction;
        if (error is not null) node["error"] = error;
        return node.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    /// <summary>Appends one line and flushes it to the OS (thread-safe).</summary>
    public void Append(string line)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(line + "\n");
        lock (_gate)
        {
            _stream.Write(bytes);
            _stream.Flush();
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _stream.Dispose();
}
