using System.Data.Common;
using TechLink.Testing;

namespace TechLink.Upgrade.Tests.Infrastructure;

/// <summary>
/// A deployment of an old release, upgraded in place: a copy of its fixture (DataPath, and the database), read once
/// before the current server touches it, then opened by the current server as a child process with the old
/// deployment's environment and no bootstrap key of its own. A receiver listens on the port the old registrations point at
/// before the server starts, so the first attempt after the upgrade is the one that counts.
/// </summary>
public abstract class UpgradedDeployment(Provider provider, string fixture) : IAsyncLifetime
{
    /// <summary>The release whose deployment the fixtures are (Fixtures/make-fixture.sh made them).</summary>
    public const string Release = "b92720f";

    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), "techlink-upgrade-tests", Guid.NewGuid().ToString("N")[..12]);
    private ServerProcess? _server;
    private LoopbackReceiver? _receiver;

    public Provider Provider { get; } = provider;

    public string FixtureFolder { get; } = Path.Combine(AppContext.BaseDirectory, "Fixtures", Release, fixture);

    public FixtureManifest Manifest { get; private set; } = null!;

    /// <summary>The old release's database as it left it, read before the upgrade.</summary>
    public DatabaseSnapshot Before { get; private set; } = null!;

    public DateTime UpgradedAt { get; private set; }

    public Func<DbConnection> Connect { get; private set; } = null!;

    public ServerProcess Server => _server ?? throw new InvalidOperationException("the server did not start");

    public LoopbackReceiver Receiver => _receiver ?? throw new InvalidOperationException("the receiver did not start");

    /// <summary>Puts the old database where the server will find it; answers the connection string (null for SQLite in DataPath).</summary>
    protected abstract Task<string?> RestoreDatabaseAsync();

    public async Task InitializeAsync()
    {
        Manifest = FixtureManifest.Load(FixtureFolder);
        CopyFolder(Path.Combine(FixtureFolder, "data"), _dataPath);
        var connectionString = await RestoreDatabaseAsync();
        Connect = DatabaseSnapshot.Connect(Provider, _dataPath, connectionString);
        Before = await DatabaseSnapshot.TakeAsync(Provider, Connect);
        _receiver = await LoopbackReceiver.StartAsync(Manifest.ReceiverPort);
        UpgradedAt = DateTime.UtcNow;
        _server = await ServerProcess.StartAsync(Provider, _dataPath, connectionString, "all", new Dictionary<string, string?>
        {
            ["TechLink:Environment"] = Manifest.Environment,
            // The old deployment's keys must be what works: no key of the test's own.
            ["TechLink:Bootstrap:StaffApiKey"] = "",
            // Room for a busy CI machine: a receipt answered late would cost an attempt of the three.
            ["TechLink:Delivery:Timeout"] = "00:00:05",
            ["TechLink:Delivery:Lease"] = "00:00:20",
            // Since the second hostile review, Production sends only to the ports in AllowedPorts (80, 443, 8080, 8443 by
            // default): a deployment whose receivers listen elsewhere lists their ports when it upgrades (README, Upgrading).
            ["TechLink:Delivery:AllowedPorts:0"] = Manifest.ReceiverPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // Production now refuses to start without it (links must never take their host from a request).
            ["TechLink:PublicBaseUrl"] = "http://techlink.example/", // http: an https one makes the session cookie Secure, and the test speaks http
        });
    }

    public HttpClient Client(string apiKey) => Server.Client(apiKey);

    public HttpClient Staff() => Server.Client(Manifest.StaffApiKeys[0].Key);

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        if (_receiver is not null) await _receiver.DisposeAsync();
        await DisposeDatabaseAsync();
        try { Directory.Delete(_dataPath, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    protected virtual Task DisposeDatabaseAsync() => Task.CompletedTask;

    private static void CopyFolder(string from, string to)
    {
        Assert.True(Directory.Exists(from), $"{from} is missing: make it with Fixtures/make-fixture.sh");
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        }

        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
        }
    }
}
