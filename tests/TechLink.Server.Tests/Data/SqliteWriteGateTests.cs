using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TechLink.Server.Companies;
using TechLink.Server.Data;
using TechLink.Server.Tests.Infrastructure;

namespace TechLink.Server.Tests.Data;

/// <summary>
/// The SQLite write gate queues the process's writers; these prove it is always given back: after commits, rollbacks,
/// failed saves and a transaction abandoned without either, the next writer gets in at once rather than after the
/// gate's 10 s fallback.
/// </summary>
public sealed class SqliteWriteGateTests(AppFixture fixture) : ServerTest(fixture, null), IClassFixture<AppFixture>
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(5);

    private TechLinkDbContext NewDb() => App.Services.GetRequiredService<IDbContextFactory<TechLinkDbContext>>().CreateDbContext();

    private static Company NewCompany(string name) => new() { Name = name, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow };

    private async Task<TimeSpan> TimedWriteAsync()
    {
        var watch = Stopwatch.StartNew();
        await using var db = NewDb();
        db.Companies.Add(NewCompany("after " + Guid.NewGuid().ToString("N")[..6]));
        db.Companies.Add(NewCompany("after " + Guid.NewGuid().ToString("N")[..6]));
        await db.SaveChangesAsync();
        return watch.Elapsed;
    }

    [Fact]
    public async Task TransactionAbandonedWithoutCommitOrRollback_NextWriterIsNotHeldBack()
    {
        await using (var db = NewDb())
        {
            var transaction = await db.Database.BeginTransactionAsync();
            db.Companies.Add(NewCompany("abandoned"));
            await db.SaveChangesAsync();
            // Neither commit nor rollback: the context (and its connection) simply goes away.
            _ = transaction;
        }

        Assert.True(await TimedWriteAsync() < Prompt);
        await using var check = NewDb();
        Assert.False(await check.Companies.AnyAsync(c => c.Name == "abandoned"));
    }

    [Fact]
    public async Task RolledBackAndFailedSaves_NextWriterIsNotHeldBack()
    {
        await using (var db = NewDb())
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            db.Companies.Add(NewCompany("rolled back"));
            await db.SaveChangesAsync();
            await transaction.RollbackAsync();
        }

        await using (var db = NewDb())
        {
            // Two rows with one primary key: the save's own transaction fails.
            var company = NewCompany("dup");
            db.Companies.Add(company);
            await db.SaveChangesAsync();
            db.ChangeTracker.Clear();
            db.Companies.Add(NewCompany("x"));
            db.Companies.Add(new Company { Id = company.Id, Name = "dup again", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
            await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        }

        Assert.True(await TimedWriteAsync() < Prompt);
    }

    [Fact]
    public async Task ManyConcurrentWriters_AllCommitAndNoneTimesOut()
    {
        const int Writers = 64;
        var names = Enumerable.Range(0, Writers).Select(i => $"w{i}-{Guid.NewGuid():N}"[..20]).ToList();
        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (name, cancellationToken) =>
        {
            await using var db = NewDb();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            db.Companies.Add(NewCompany(name));
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        });
        await using var check = NewDb();
        Assert.Equal(Writers, await check.Companies.CountAsync(c => names.Contains(c.Name)));
        Assert.True(await TimedWriteAsync() < Prompt);
    }
}
