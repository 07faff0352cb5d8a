// Reads and writes predictions as JSON Lines (snake_case: id, prediction, answer, choices, group,
// image_size, family, resized_size, question_type, extra). A bad line yields an error naming
// file:line and the field instead of throwing, so one bad line never stops scoring.
// Unknown fields (benchmark, prompt_id, raw_response, error, ...) are ignored, not rejected.
using System.Text;
using System.Text.Json;

namespace QwenVL.Eval.Scoring;

/// <summary>JSONL reader/writer for <see cref="PredictionRecord"/>.</summary>
public static class PredictionJsonl
{
    // Relaxed escaping keeps Chinese (MMBench-CN) readable in results.jsonl; still valid JSON.
    static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Reads every non-blank line of <paramref name="path"/>. Each result has either a record or an
    /// error of the form "file:line: field 'answer': ...". Throws only if the file cannot be opened.
    /// </summary>
    public static IEnumerable<(int Line, PredictionRecord? Record, string? Error)> Read(string path)
    {
        int lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            PredictionRecord? record = null;
            string? error = null;
            try { record = Parse(line); }
            catch (FormatException e) { error = $"{path}:{lineNo}: {e.Message}"; }
            catch (JsonException e) { error = $"{path}:{lineNo}: invalid JSON ({e.Message.Split('.')[0]})"; }
            yield return (lineNo, record, error);
        }
    }

    /// <summary>Parses one JSON object; throws <see cref="FormatException"/> naming the bad field.</summary>
    public static PredictionRecord Parse(string jsonLine)
    {
        using var doc = JsonDocument.Parse(jsonLine);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new FormatException("line is not a JSON object");

        string id = root.TryGetProperty("id", out var idEl) ? idEl.ValueKind switch
        {
            JsonValueKind.String => idEl.GetString()!,
            JsonValueKind.Number => idEl.GetRawText(),
            _ => throw new FormatException("field 'id': expected a string or a number"),
        } : throw new FormatException("field 'id': missing");
        if (id.Length == 0) throw new FormatException("field 'id': empty");

        string prediction = root.TryGetProperty("prediction", out var pEl) ? pEl.ValueKind switch
        {
            JsonValueKind.String => pEl.GetString()!,
            JsonValueKind.Null => "",
            JsonValueKind.Number => pEl.GetRawText(),
            _ => throw new FormatException("field 'prediction': expected a string"),
        } : throw new FormatException("field 'prediction': missing");

        if (!root.TryGetProperty("answer", out var aEl)) throw new FormatException("field 'answer': missing");
        var answers = new List<string>();
        if (aEl.ValueKind == JsonValueKind.Array)
        {
            foreach (var a in aEl.EnumerateArray()) answers.Add(Scalar(a, "answer"));
            if (answers.Count == 0) throw new FormatException("field 'answer': empty list");
        }
        else answers.Add(Scalar(aEl, "answer"));

        var rec = new PredictionRecord(id, prediction, answers)
        {
            Choices = OptObject(root, "choices"),
            Group = OptString(root, "group"),
            ImageSize = OptSize(root, "image_size"),
            Family = OptString(root, "family"),
            ResizedSize = OptSize(root, "resized_size"),
            QuestionType = OptString(root, "question_type"),
            Extra = OptObject(root, "extra"),
        };
        return rec;
    }

    /// <summary>Serialises a record to one JSON line with the same snake_case fields.</summary>
    public static string ToJsonLine(PredictionRecord r) => ToJsonLine(r, null);

    /// <summary>
    /// Serialises a record plus extra top-level string fields (e.g. benchmark, prompt_id, raw_response,
    /// error) that the runner needs for resume; readers ignore them. Null values are written as null.
    /// </summary>
    public static string ToJsonLine(PredictionRecord r, IEnumerable<KeyValuePair<string, string?>>? extraFields)
    {
        ArgumentNullException.ThrowIfNull(r);
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("id", r.Id);
            w.WriteString("prediction", r.Prediction);
            if (r.Answers.Count == 1) w.WriteString("answer", r.Answers[0]);
            else
            {
                w.WriteStartArray("answer");
                foreach (var a in r.Answers) w.WriteStringValue(a);
                w.WriteEndArray();
            }
            WriteObject(w, "choices", r.Choices);
            if (r.Group is not null) w.WriteString("group", r.Group);
            WriteSize(w, "image_size", r.ImageSize);
            if (r.Family is not null) w.WriteString("family", r.Family);
            WriteSize(w, "resized_size", r.ResizedSize);
            if (r.QuestionType is not null) w.WriteString("question_type", r.QuestionType);
            WriteObject(w, "extra", r.Extra);
            foreach (var (k, v) in extraFields ?? [])
            {
                if (v is null) w.WriteNull(k);
                else w.WriteString(k, v);
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    static string Scalar(JsonElement e, string field) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString()!,
        // Numbers keep their literal text ("1.50" stays "1.50") so scorers see what the file said.
        JsonValueKind.Number => e.GetRawText(),
        JsonValueKind.True => "True",
        JsonValueKind.False => "False",
        _ => throw new FormatException($"field '{field}': expected a string, number or list of them, got {e.ValueKind}"),
    };

    static string? OptString(JsonElement root, string field)
    {
        if (!root.TryGetProperty(field, out var e) || e.ValueKind == JsonValueKind.Null) return null;
        return e.ValueKind is JsonValueKind.String or JsonValueKind.Number
            ? Scalar(e, field)
            : throw new FormatException($"field '{field}': expected a string");
    }

    static IReadOnlyDictionary<string, string>? OptObject(JsonElement root, string field)
    {
        if (!root.TryGetProperty(field, out var e) || e.ValueKind == JsonValueKind.Null) return null;
        if (e.ValueKind != JsonValueKind.Object) throw new FormatException($"field '{field}': expected an object");
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in e.EnumerateObject())
        {
            if (p.Value.ValueKind == JsonValueKind.Null) continue;
            d[p.Name] = Scalar(p.Value, $"{field}.{p.Name}");
        }
        return d;
    }

    static (int Width, int Height)? OptSize(JsonElement root, string field)
    {
        if (!root.TryGetProperty(field, out var e) || e.ValueKind == JsonValueKind.Null) return null;
        if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() != 2
            || !e[0].TryGetInt32(out int w) || !e[1].TryGetInt32(out int h) || w <= 0 || h <= 0)
            throw new FormatException($"field '{field}': expected [width, height] with positive integers");
        return (w, h);
    }

    static void WriteObject(Utf8JsonWriter w, string name, IReadOnlyDictionary<string, string>? d)
    {
        if (d is null) return;
        w.WriteStartObject(name);
        foreach (var (k, v) in d) w.WriteString(k, v);
        w.WriteEndObject();
    }

    static void WriteSize(Utf8JsonWriter w, string name, (int Width, int Height)? s)
    {
        if (s is not { } v) return;
        w.WriteStartArray(name);
        w.WriteNumberValue(v.Width);
        w.WriteNumberValue(v.Height);
        w.WriteEndArray();
    }
}
