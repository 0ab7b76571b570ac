/** TypeProbe row 17 of the captured fixtures, as the decoder converts it with the schema present. */
export const typeProbeRow17 = {
  id: 17,
  amount: '12.3400',
  flag: true,
  meta: '{"tags": ["a", "b"], "score": 5}',
  at: new Date('2024-06-01T12:04:56.123Z'),
  atz: new Date('2024-06-01T12:04:56.123Z'),
  day: '2024-06-01',
};

/** The same row as Debezium sends it (logical types not converted: micros, ISO text, days since the epoch). */
export const typeProbeRow17Raw = {
  id: 17,
  amount: '12.3400',
  flag: true,
  meta: '{"tags": ["a", "b"], "score": 5}',
  at: 1717243496123456,
  atz: '2024-06-01T12:04:56.123456Z',
  day: 19875,
};
