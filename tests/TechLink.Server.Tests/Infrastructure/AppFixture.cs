using System.Collections.Concurrent;
using TechLink.Testing;

namespace TechLink.Server.Tests.Infrastructure;

/// <summary>
/// One server per test class (class fixture), started on first use with the provider and settings of the class;
/// tests keep apart by creating their own companies.
/// </summary>
public sealed class AppFixture : IAsyncLifetime
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentDictionary<string, Task<object>> _shared = new();
    private TechLinkApp? _app;

    public async Task<TechLinkApp> GetAsync(PostgresFixture? postgres, IReadOnlyDictionary<string, string?> overrides)
    {
        await _gate.WaitAsync();
        try
        {
            if (_app is not null) return _app;
            var provider = postgres is null ? Provider.Sqlite : Provider.Postgres;
            var cs = postgres is null ? null : await postgres.Cluster.CreateDatabaseAsync("srv");
            var app = new TechLinkApp(provider, cs, overrides);
            _ = app.Server; // start now, so a start-up failure fails here with its own message
            _app = app;
            return app;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Data built once per class and shared by its tests (e.g. another company's resources).</summary>
    public async Task<T> SharedAsync<T>(string key, Func<Task<T>> create) =>
        (T)(await _shared.GetOrAdd(key, async _ => (object)(await create())!))!;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
        _gate.Dispose();
    }
}

/// <summary>The base of every functional test class; the concrete ...Sqlite and ...Postgres subclasses pick the database.</summary>
public abstract class ServerTest(AppFixture fixture, PostgresFixture? postgres) : IAsyncLifetime
{
    protected AppFixture Fixture { get; } = fixture;

    protected TechLinkApp App { get; private set; } = null!;

    protected virtual IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>();

    public virtual async Task InitializeAsync() => App = await Fixture.GetAsync(postgres, Settings);

    public virtual Task DisposeAsync() => Task.CompletedTask;
}
