export const percent = (value: number) => `${Math.round(value * 100)}%`;
