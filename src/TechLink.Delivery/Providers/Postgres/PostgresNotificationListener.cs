using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;
using TechLink.Delivery.Dispatching;
using TechLink.Delivery.Model;

namespace TechLink.Delivery.Providers.Postgres;

/// <summary>
/// On PostgreSQL, LISTENs for other nodes' commits (<c>NOTIFY techlink_deliveries</c>, naming the endpoints) and raises
/// the <see cref="DeliverySignal"/>; reconnects with a backoff, and looks once after each (re)connection, since
/// notifications sent while nobody listened are lost.
/// </summary>
internal sealed class PostgresNotificationListener<TContext>(IDbContextFactory<TContext> factory, DeliverySignal signal, IEndpointDirectory directory, TimeProvider time, ILogger logger) : IDeliveryWakeSource
    where TContext : DbContext
{
    private static readonly TimeSpan PingAfter = TimeSpan.FromSeconds(30);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            NpgsqlConnection? connection = null;
            try
            {
                connection = await CreateConnectionAsync(cancellationToken);
                connection.Notification += (_, e) => Heard(e.Payload);
                await connection.OpenAsync(cancellationToken);
                await using (var listen = new NpgsqlCommand($"LISTEN {PostgresOutboxWriter.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken);
                }

                logger.Listening(PostgresOutboxWriter.Channel);
                failures = 0;
                // Changes made while nobody listened were not heard either: forget every cached endpoint.
                directory.Invalidate([]);
                signal.Notify();
                while (true)
                {
                    if (!await connection.WaitAsync(PingAfter, cancellationToken))
                    {
                        // A quiet connection may be a dead one: prove it alive or reconnect.
                        await using var ping = new NpgsqlCommand("SELECT 1", connection);
                        await ping.ExecuteScalarAsync(cancellationToken);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failures++;
                var delay = Backoff.After(failures);
                logger.ListenFailed(ex, PostgresOutboxWriter.Channel, failures, delay);
                if (!await DelayAsync(delay, cancellationToken)) return;
            }
            finally
            {
                if (connection is not null) await connection.DisposeAsync();
            }
        }
    }

    /// <summary>An endpoint change (<see cref="EndpointChanges"/>) is forgotten at once, in order; anything else wakes the dispatcher.</summary>
    private void Heard(string payload)
    {
        if (EndpointChanges.TryRead(payload, out var endpoints))
        {
            directory.Invalidate(endpoints);
            logger.EndpointsChanged(endpoints.Count == 0 ? "(all)" : string.Join(",", endpoints));
        }
        else
        {
            signal.NotifyFromPayload(payload);
        }
    }

    /// <summary>A new, unopened connection like the host's: cloning keeps its data source settings (password provider, TLS).</summary>
    private async Task<NpgsqlConnection> CreateConnectionAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return (NpgsqlConnection)((ICloneable)db.Database.GetDbConnection()).Clone();
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, time, cancellationToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
