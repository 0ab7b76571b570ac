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
