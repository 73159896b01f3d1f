// Batch inserts: prepare rows in batches on the pool, insert each batch in one round trip.
import { go } from '@routine/runtime';

const rows = Array.from({ length: 1000 }, (_, i) => ({ id: i + 1, name: `user ${i + 1}` }));
const database = { statements: 0, rows: 0 }; // stand-in for a client: one statement per batch

const batches = [];
for (let i = 0; i < rows.length; i += 100) batches.push(rows.slice(i, i + 100));
const statements = await Promise.all(
  batches.map((batch) =>
    go((batch) => {
      const values = batch.map((row) => `(${row.id}, '${row.name.replaceAll("'", "''")}')`).join(', ');
      return { sql: `INSERT INTO users (id, name) VALUES ${values}`, count: batch.length };
    }, batch),
  ),
);
for (const statement of statements) {
  database.statements++;
  database.rows += statement.count;
}
console.log(`inserted ${database.rows} rows in ${database.statements} statements`);
console.log(statements[0].sql.slice(0, 60));

// Output:
// inserted 1000 rows in 10 statements
// INSERT INTO users (id, name) VALUES (1, 'user 1'), (2, 'user
