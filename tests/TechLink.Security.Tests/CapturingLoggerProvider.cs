using System.Collections;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace TechLink.Security.Tests;

/// <summary>
/// Writes every log entry, at every level, to one file: category, level, event id, the formatted message, every
/// structured value of the state, every scope (formatted and its values) and the exception with its inner ones. What
/// any real logging backend could store, this file holds too.
/// </summary>
public sealed class CapturingLoggerProvider(string path) : ILoggerProvider, ISupportExternalScope
{
    private readonly Lock _gate = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();
    private long _entries;

    public string Path { get; } = path;

    public long Entries => Interlocked.Read(ref _entries);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private void Write(string category, LogLevel level, EventId eventId, object? state, string message, Exception? exception)
    {
        var line = new StringBuilder();
        line.Append(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:O} {level} {category}[{eventId.Id}:{eventId.Name}] {message}");
        AppendValues(line, " state", state);
        _scopes.ForEachScope((scope, sb) =>
        {
            sb.Append(" scope=").Append(scope);
            AppendValues(sb, " scope", scope);
        }, line);
        if (exception is not null) line.Append('\n').Append(exception);
        lock (_gate)
        {
            File.AppendAllText(Path, line.Append('\n').ToString());
            _entries++;
        }
    }

    private static void AppendValues(StringBuilder line, string label, object? values)
    {
        if (values is not IEnumerable<KeyValuePair<string, object?>> pairs) return;
        foreach (var (key, value) in pairs)
        {
            line.Append(label).Append('.').Append(key).Append('=');
            line.Append(value is IEnumerable list and not string ? string.Join(",", list.Cast<object?>()) : Convert.ToString(value, CultureInfo.InvariantCulture));
        }
    }

    private sealed class Logger(CapturingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            provider.Write(category, logLevel, eventId, state, formatter(state, exception), exception);
    }
}
