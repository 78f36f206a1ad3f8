using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TechLink.Bench;

/// <summary>The bare API's one table: a note on a work order.</summary>
internal sealed class BareNote
{
    public long Id { get; set; }

    public long WorkOrderId { get; set; }

    public required string Content { get; set; }

    public DateTime CreatedAt { get; set; }
}

internal sealed class BareDbContext(DbContextOptions<BareDbContext> options) : DbContext(options)
{
    public DbSet<BareNote> Notes => Set<BareNote>();
}

internal sealed record BareNoteRequest(string? Content);

internal sealed record BareNoteResponse(long Id, long WorkOrderId, string Content, DateTime CreatedAt);

/// <summary>
/// The API path's baseline (issue 18, row 3): what a minimal-API app does for <c>POST /workorders/{id}/notes</c> with
/// nothing else — parse the JSON body, insert one row with EF Core into SQLite (WAL, synchronous=NORMAL, as the server's
/// SQLite), answer 201 with the row as JSON. No authentication, no tenancy, no events. Runs in its own process (the bench
/// launches itself with <c>bare-api DIR</c>), as the real server does, and prints <c>LISTENING port</c>.
/// </summary>
internal static class BareApi
{
    public static async Task<int> RunAsync(string dataPath)
    {
        Directory.CreateDirectory(dataPath);
        var file = Path.Combine(dataPath, "bare.db");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Services.AddDbContextPool<BareDbContext>(o => o.UseSqlite(new SqliteConnectionStringBuilder { DataSource = file, DefaultTimeout = 30 }.ToString()));
        var app = builder.Build();
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BareDbContext>();
            await db.Database.EnsureCreatedAsync();
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        }

        app.MapPost("/workorders/{id:long}/notes", async (long id, BareNoteRequest request, BareDbContext db, CancellationToken ct) =>
        {
            if (string.IsNullOrWhiteSpace(request.Content)) return Results.ValidationProblem(new Dictionary<string, string[]> { ["content"] = ["required"] });
            var note = new BareNote { WorkOrderId = id, Content = request.Content, CreatedAt = DateTime.UtcNow };
            db.Notes.Add(note);
            await db.Database.ExecuteSqlRawAsync("PRAGMA synchronous=NORMAL;", ct);
            await db.SaveChangesAsync(ct);
            return Results.Created($"/workorders/{id}/notes/{note.Id}", new BareNoteResponse(note.Id, note.WorkOrderId, note.Content, note.CreatedAt));
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Console.WriteLine($"LISTENING {new Uri(address).Port}");
        await Console.In.ReadToEndAsync();
        await app.StopAsync();
        return 0;
    }
}

/// <summary>The bare API as a child process (this same binary), stopped by closing its stdin.</summary>
internal sealed class BareApiProcess : IAsyncDisposable
{
    private readonly Process _process;

    private BareApiProcess(Process process, int port)
    {
        _process = process;
        BaseUrl = $"http://127.0.0.1:{port}";
    }

    public string BaseUrl { get; }

    public int ProcessId => _process.Id;

    public static async Task<BareApiProcess> StartAsync(string dataPath)
    {
        var psi = SelfLaunch.StartInfo("bare-api", dataPath);
        psi.RedirectStandardInput = true;
        psi.RedirectStandardOutput = true;
        var process = Process.Start(psi) ?? throw new InvalidOperationException("bare API did not start");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException("bare API exited before listening");
            if (line.StartsWith("LISTENING ", StringComparison.Ordinal)) return new BareApiProcess(process, int.Parse(line.AsSpan(10), CultureInfo.InvariantCulture));
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
        }

        _process.Dispose();
    }
}
