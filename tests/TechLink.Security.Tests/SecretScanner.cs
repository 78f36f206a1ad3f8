using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace TechLink.Security.Tests;

/// <summary>A secret the flow handled, and every form in which it could sit in clear.</summary>
public sealed record Secret(string Kind, string Value)
{
    private const string SigningPrefix = "whsec_";

    /// <summary>The value; for a signing secret also its base64 body alone.</summary>
    public IReadOnlyList<string> TextForms => Value.StartsWith(SigningPrefix, StringComparison.Ordinal) ? [Value, Value[SigningPrefix.Length..]] : [Value];

    /// <summary>The text forms as UTF-8 and UTF-16, and a signing secret's key bytes themselves.</summary>
    public IReadOnlyList<byte[]> ByteForms
    {
        get
        {
            var forms = TextForms.SelectMany(t => new[] { Encoding.UTF8.GetBytes(t), Encoding.Unicode.GetBytes(t) }).ToList();
            if (Value.StartsWith(SigningPrefix, StringComparison.Ordinal)) forms.Add(Convert.FromBase64String(Value[SigningPrefix.Length..]));
            return forms;
        }
    }
}

/// <summary>One place a secret could be kept: text (a dump, the logs) or raw bytes (database files).</summary>
public sealed class Place(string name, string text, IReadOnlyList<byte[]> bytes)
{
    public string Name { get; } = name;

    public long Size => text.Length + bytes.Sum(b => (long)b.Length);

    public static Place OfText(string name, string text) => new(name, text, []);

    public static Place OfBytes(string name, IReadOnlyList<byte[]> bytes) => new(name, "", bytes);

    public bool Holds(string clear) => Holds(new Secret("probe", clear));

    public bool Holds(Secret secret) =>
        secret.TextForms.Any(t => text.Contains(t, StringComparison.Ordinal))
        || bytes.Any(b => secret.ByteForms.Any(f => b.AsSpan().IndexOf(f) >= 0));
}

/// <summary>Reads every place of a server's data: database dumps (text and bytes), raw files, the captured logs.</summary>
public static class SecretScanner
{
    /// <summary>Every table, every column of a SQLite database, through a read-only connection: as text, and as bytes.</summary>
    public static (Place Text, Place Bytes) SqliteDump(string path)
    {
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false };
        using var connection = new SqliteConnection(builder.ToString());
        connection.Open();
        var tables = new List<string>();
        using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table'";
            using var reader = list.ExecuteReader();
            while (reader.Read()) tables.Add(reader.GetString(0));
        }

        var text = new StringBuilder();
        var bytes = new List<byte[]>();
        foreach (var table in tables)
        {
            using var select = connection.CreateCommand();
            select.CommandText = $"SELECT * FROM \"{table}\"";
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    if (reader.IsDBNull(i)) continue;
                    // As bytes: exactly what SQLite stores in the cell (text as UTF-8, blobs as they are).
                    var stored = reader.GetFieldValue<byte[]>(i);
                    bytes.Add(stored);
                    var value = reader.GetValue(i);
                    text.Append(table).Append('.').Append(reader.GetName(i)).Append('=')
                        .Append(value is byte[] blob ? Encoding.UTF8.GetString(blob) : Convert.ToString(value, CultureInfo.InvariantCulture)).Append('\n');
                }
            }
        }

        return (Place.OfText("SQLite: every table and column as text", text.ToString()), Place.OfBytes("SQLite: every value as stored bytes", bytes));
    }

    /// <summary>Every row of every table of the PostgreSQL database, each cast to text by the server.</summary>
    public static async Task<Place> PostgresRowsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand(
            "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables " +
            "WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')", connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync()) tables.Add(reader.GetString(0));
        }

        var text = new StringBuilder();
        foreach (var table in tables)
        {
            await using var select = new NpgsqlCommand($"SELECT t::text FROM {table} t", connection);
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync()) text.Append(table).Append(' ').Append(reader.GetString(0)).Append('\n');
        }

        return Place.OfText($"PostgreSQL: every row of {tables.Count} tables cast to text", text.ToString());
    }

    /// <summary>The output of pg_dump (found like PostgresCluster finds initdb), or null when no pg_dump here can dump this server.</summary>
    public static async Task<(Place? Place, string Note)> PgDumpAsync(string connectionString)
    {
        var cs = new NpgsqlConnectionStringBuilder(connectionString);
        var notes = new List<string>();
        foreach (var binary in PgDumpCandidates())
        {
            var psi = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
            foreach (var a in new[] { "-h", cs.Host!, "-p", cs.Port.ToString(CultureInfo.InvariantCulture), "-U", cs.Username ?? "postgres", "-d", cs.Database!, "--no-password" }) psi.ArgumentList.Add(a);
            if (cs.Password is { Length: > 0 } password) psi.Environment["PGPASSWORD"] = password;
            using var process = Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode == 0) return (Place.OfText($"PostgreSQL: pg_dump ({binary})", await stdout), binary);
            notes.Add($"{binary}: {(await stderr).Trim()}");
        }

        return (null, notes.Count == 0 ? "no pg_dump installed" : string.Join("; ", notes));
    }

    private static IEnumerable<string> PgDumpCandidates()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        var dirs = (Directory.Exists("/usr/lib/postgresql") ? Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin")) : [])
            .Concat(path.Split(':', StringSplitOptions.RemoveEmptyEntries));
        return dirs.Select(d => Path.Combine(d, "pg_dump")).Where(File.Exists).Distinct();
    }

    /// <summary>The raw bytes of a file (empty when it does not exist), read while others may still write it.</summary>
    public static byte[] RawFile(string path)
    {
        if (!File.Exists(path)) return [];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>Every file under a folder but the ones named, as raw bytes.</summary>
    public static Place Files(string name, string folder, params string[] except) =>
        Place.OfBytes(name, [.. Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => !except.Contains(Path.GetFileName(f)))
            .Select(RawFile)]);
}
